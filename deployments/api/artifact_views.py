"""`/api/artifacts`: thin views. They scope to the user's teams (404 outside), validate, and
hand every change to deployments.artifacts.actions (or .service for reads)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.api import artifact_serializers as s
from deployments.artifacts import service
from deployments.models.artifacts import Artifact, ArtifactRevision

CONFLICT = OpenApiResponse(description="{code, message, ...}: illegal transition or busy")
NOT_FOUND = OpenApiResponse(description="not found (or not in your teams)")
PARSERS = [JSONParser, MultiPartParser, FormParser]


def _artifact(request: Request, pk: int) -> Artifact:
    return get_object_or_404(service.visible_artifacts(request.user), pk=pk)


def _accepted(revision: ArtifactRevision) -> Response:
    return Response(service.accepted(revision), status=status.HTTP_202_ACCEPTED)


class ArtifactListView(APIView):
    parser_classes = PARSERS

    @extend_schema(operation_id="list_artifacts", parameters=[s.ListQuerySerializer],
                   summary="Artifacts of your teams, newest first (keyset pages)",
                   responses={200: s.ArtifactSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = s.ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(service.list_page(request.user, **query.validated_data))

    @extend_schema(operation_id="deploy_artifact", request=s.DeploySerializer,
                   summary="Deploy source files: 202, then follow /api/events",
                   responses={202: s.AcceptedSerializer, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        body = s.DeploySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return _accepted(service.deploy(request.user, body.validated_data))


class ArtifactDetailView(APIView):
    parser_classes = PARSERS

    @extend_schema(operation_id="get_artifact_status",
                   responses={200: s.ArtifactDetailSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(service.detail(_artifact(request, pk)))

    @extend_schema(operation_id="update_artifact", request=s.OptionsSerializer,
                   summary="New files and/or options: a new revision (202)",
                   responses={202: s.AcceptedSerializer, 404: NOT_FOUND})
    def put(self, request: Request, pk: int) -> Response:
        artifact = _artifact(request, pk)
        body = s.OptionsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _accepted(service.update(request.user, artifact, body.validated_data))

    @extend_schema(operation_id="delete_artifact", request=None,
                   summary="Remove the workload, the stored source and the record (202)",
                   responses={202: s.AcceptedSerializer, 404: NOT_FOUND})
    def delete(self, request: Request, pk: int) -> Response:
        artifact = service.delete(request.user, _artifact(request, pk))
        return Response({"artifact_id": artifact.pk, "status": artifact.status,
                         "revision": artifact.current_revision,
                         "events_url": s.events_url(artifact)},
                        status=status.HTTP_202_ACCEPTED)


class ArtifactCancelView(APIView):
    @extend_schema(operation_id="cancel_artifact", request=None,
                   summary="Cancel the revisions in flight (409 if none)",
                   responses={200: s.ArtifactDetailSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        artifact = _artifact(request, pk)
        service.cancel(request.user, artifact)
        return Response(service.detail(_artifact(request, pk)))


class ArtifactVersionsView(APIView):
    @extend_schema(operation_id="list_versions", responses={200: s.RevisionSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(service.versions(_artifact(request, pk)))


class ArtifactRollbackView(APIView):
    @extend_schema(operation_id="rollback_artifact", request=s.RollbackSerializer,
                   summary="Redeploy a retained image as a new revision (no rebuild)",
                   responses={202: s.AcceptedSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        artifact = _artifact(request, pk)
        body = s.RollbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _accepted(service.rollback(request.user, artifact,
                                          body.validated_data["revision"]))


class ArtifactLogsView(APIView):
    @extend_schema(operation_id="get_artifact_logs", parameters=[s.LogQuerySerializer],
                   summary="Logs of a stage (fetch, build, push, deploy) or of the running app",
                   responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        artifact = _artifact(request, pk)
        query = s.LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(service.logs(artifact, **query.validated_data))
