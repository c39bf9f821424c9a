"""`/api/deployments`: server-owned deployment records. Views scope to the user's teams (404
outside), validate, and hand every write to the transition authority (`deployments.records`)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments import records
from deployments.api import record_serializers as s
from deployments.models import Attempt, Deployment
from workflows.models import Cluster
from workflows.permissions import WRITE, require, scoped, visible_teams

CONFLICT = OpenApiResponse(description="{code, message, ...}: illegal transition, or busy")
NOT_FOUND = OpenApiResponse(description="not found (or not in your teams)")


def visible_deployments(user: Any) -> QuerySet[Deployment]:
    # A subquery on team ids, not a join: the history query keeps its index.
    return Deployment.objects.filter(team_id__in=visible_teams(user).values("pk"))


def detail_queryset(user: Any) -> QuerySet[Deployment]:
    attempts = Prefetch("attempts", queryset=Attempt.objects.order_by("number"))
    return visible_deployments(user).select_related("created_by").prefetch_related(attempts)


def _detail(user: Any, pk: int, changed: bool | None = None) -> dict[str, Any]:
    deployment = get_object_or_404(detail_queryset(user), pk=pk)
    if changed is None:
        return dict(s.DeploymentDetailSerializer(deployment).data)
    deployment.changed = changed  # type: ignore[attr-defined]
    return dict(s.TransitionResultSerializer(deployment).data)


class DeploymentListView(APIView):
    @extend_schema(
        operation_id="deployments_history",
        summary="History of one (target, cluster), newest first (keyset pages of 50)",
        parameters=[s.HistoryQuerySerializer],
        responses={200: s.HistoryPageSerializer},
    )
    def get(self, request: Request) -> Response:
        query = s.HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        # Visibility is decided on the cluster (a deployment belongs to its cluster's team), so
        # the page query is the bare keyset on the history index.
        if not scoped(Cluster.objects.filter(pk=params["cluster"]), request.user).exists():
            return Response({"results": [], "next": None})
        page = records.history(
            Deployment.objects.select_related("created_by"),
            params["target"], params["cluster"], params.get("cursor"),
        )
        results = s.DeploymentSerializer(page.items, many=True).data
        return Response({"results": results, "next": page.next_cursor})

    @extend_schema(
        summary="Begin a deployment: 201, or 409 attempt_in_progress naming the holder",
        request=s.BeginSerializer,
        responses={201: s.DeploymentDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        body = s.BeginSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        cluster = data["cluster"]
        deployment = records.begin_deployment(
            request.user, cluster, data["target"],
            data.get("namespace") or cluster.default_namespace,
            version=data.get("version"), object_name=data.get("object_name", ""),
        )
        return Response(_detail(request.user, deployment.pk), status=status.HTTP_201_CREATED)


class DeploymentDetailView(APIView):
    @extend_schema(operation_id="deployments_retrieve",
                   responses={200: s.DeploymentDetailSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request.user, pk))


def _writable(request: Request, pk: int) -> Deployment:
    deployment = get_object_or_404(visible_deployments(request.user), pk=pk)
    require(request.user, deployment.team_id, WRITE, "this deployment")
    return deployment


class DeploymentTransitionView(APIView):
    @extend_schema(
        summary="Move status and/or phase, or set the version (duplicates answer changed=false)",
        request=s.DeploymentTransitionSerializer,
        responses={200: s.TransitionResultSerializer, 409: CONFLICT, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        deployment = _writable(request, pk)
        body = s.DeploymentTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = records.transition_deployment(deployment.pk, **body.validated_data)
        return Response(_detail(request.user, pk, outcome.changed))


class AttemptListView(APIView):
    @extend_schema(
        summary="Retry: a new pending attempt (409 while one is open)",
        request=None,
        responses={201: s.AttemptSerializer, 409: CONFLICT, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        deployment = _writable(request, pk)
        attempt = records.new_attempt(request.user, deployment)
        return Response(s.AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


def _attempt(request: Request, pk: int, number: int) -> Attempt:
    deployment = _writable(request, pk)
    return get_object_or_404(Attempt, deployment=deployment, number=number)


class AttemptTransitionView(APIView):
    @extend_schema(
        summary="A worker's callback: deploying (with worker_id), ready or failed",
        request=s.AttemptTransitionSerializer,
        responses={200: s.AttemptResultSerializer, 409: CONFLICT, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        attempt = _attempt(request, pk, number)
        body = s.AttemptTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = records.transition_attempt(attempt.deployment_id, attempt.number,
                                             **body.validated_data)
        result = outcome.record
        result.changed = outcome.changed  # type: ignore[attr-defined]
        return Response(s.AttemptResultSerializer(result).data)


class AttemptHeartbeatView(APIView):
    @extend_schema(
        summary="Renew the worker's lease (409 lease_lost once the attempt is not its own)",
        request=s.HeartbeatSerializer,
        responses={200: s.AttemptSerializer, 409: CONFLICT, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        attempt = _attempt(request, pk, number)
        body = s.HeartbeatSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        renewed = records.renew_lease(attempt.deployment_id, attempt.number,
                                      body.validated_data["worker_id"])
        return Response(s.AttemptSerializer(renewed).data)


class DeploymentReconcileView(APIView):
    @extend_schema(
        summary="Read the cluster and settle an unknown attempt (ready or failed)",
        request=None,
        responses={200: s.DeploymentDetailSerializer, 404: NOT_FOUND,
                   502: OpenApiResponse(description="the cluster could not be read")},
    )
    def post(self, request: Request, pk: int) -> Response:
        deployment = _writable(request, pk)
        records.reconcile(request.user, deployment)
        return Response(_detail(request.user, pk))


class DeploymentTeardownView(APIView):
    @extend_schema(
        summary="Delete what the deployment put in the cluster and end it",
        request=s.TeardownSerializer,
        parameters=[OpenApiParameter("force", bool, description="same as the body's force")],
        responses={200: s.DeploymentDetailSerializer, 409: CONFLICT, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        deployment = _writable(request, pk)
        body = s.TeardownSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        force = body.validated_data["force"] or request.query_params.get("force") == "true"
        records.teardown(request.user, deployment, force=force)
        return Response(_detail(request.user, pk))
