from dataclasses import asdict

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.actions.runs import cancel_run, start_run
from deployments.api import serializers as s
from deployments.api.renderers import YAMLTextRenderer
from deployments.clusters import client_for
from deployments.models import Run
from deployments.previews import export_yaml, preview, render_workflow
from workflows.api.views import visible_workflows
from workflows.models import Cluster
from workflows.permissions import WRITE, require, scoped


def visible_runs(user: object) -> QuerySet[Run]:
    return (
        scoped(Run.objects.all(), user, "workflow__team")
        .select_related("version", "created_by")
        .distinct()
    )


class RunViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.RunDetailSerializer

    def get_queryset(self) -> QuerySet[Run]:
        return visible_runs(self.request.user).prefetch_related("node_states", "logs")


class WorkflowRunViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Runs of one workflow, newest first."""

    serializer_class = s.RunSerializer

    def get_queryset(self) -> QuerySet[Run]:
        workflow = get_object_or_404(
            visible_workflows(self.request.user), pk=self.kwargs["workflow_pk"]
        )
        return Run.objects.filter(workflow=workflow).select_related("version", "created_by")

    @extend_schema(responses=s.RunSerializer(many=True))
    def list(self, request: Request, workflow_pk: str) -> Response:
        return super().list(request, workflow_pk=workflow_pk)


class ClusterTestView(APIView):
    """Connect to a cluster and report what it is, or the precise error (502, with retryable)."""

    @extend_schema(request=None, responses={200: s.ClusterInfoSerializer})
    def post(self, request: Request, pk: str) -> Response:
        cluster = get_object_or_404(scoped(Cluster.objects.all(), request.user).distinct(), pk=pk)
        require(request.user, cluster.team_id, WRITE, "this cluster")
        return Response(asdict(client_for(cluster).info()))


class WorkflowManifestsView(APIView):
    """The workflow as multi-document YAML that `kubectl apply -f` accepts (no Secret values)."""

    renderer_classes = [YAMLTextRenderer, JSONRenderer]

    @extend_schema(responses={(200, "application/yaml"): OpenApiTypes.STR})
    def get(self, request: Request, workflow_pk: str) -> Response:
        workflow = get_object_or_404(visible_workflows(request.user), pk=workflow_pk)
        objects = render_workflow(workflow)
        response = Response(export_yaml(objects))
        response["Content-Disposition"] = f'inline; filename="workflow-{workflow.pk}.yaml"'
        return response


class WorkflowPreviewView(APIView):
    """A server-side dry run of the saved graph against the workflow's cluster."""

    @extend_schema(request=None, responses={200: s.PreviewSerializer})
    def post(self, request: Request, workflow_pk: str) -> Response:
        workflow = get_object_or_404(
            visible_workflows(request.user).select_related("cluster"), pk=workflow_pk
        )
        require(request.user, workflow.team_id, WRITE, "this workflow")
        return Response({"objects": preview(workflow)})


class StartRunView(APIView):
    """Snapshot the saved graph and run it: 202 with the run id; 409 while a run is active."""

    @extend_schema(request=s.StartRunSerializer, responses={202: s.RunStartedSerializer})
    def post(self, request: Request, workflow_pk: str) -> Response:
        workflow = get_object_or_404(visible_workflows(request.user), pk=workflow_pk)
        body = s.StartRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = start_run(request.user, workflow, body.validated_data["trigger_data"])
        return Response(
            {"run_id": run.pk, "status": run.status, "version": run.version.number},
            status=status.HTTP_202_ACCEPTED,
        )


class CancelRunView(APIView):
    @extend_schema(request=None, responses={202: s.RunSerializer})
    def post(self, request: Request, pk: str) -> Response:
        run = get_object_or_404(visible_runs(request.user), pk=pk)
        run = cancel_run(request.user, run)
        return Response(s.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class WorkflowStatusView(APIView):
    """The latest run and the live health of each node (from that run's node states)."""

    @extend_schema(responses={200: s.WorkflowStatusSerializer})
    def get(self, request: Request, workflow_pk: str) -> Response:
        workflow = get_object_or_404(visible_workflows(request.user), pk=workflow_pk)
        run = Run.objects.filter(workflow=workflow).select_related("version", "created_by").first()
        nodes = {}
        if run is not None:
            nodes = {
                state.node_id: s.NodeStateSerializer(state).data for state in run.node_states.all()
            }
        return Response({"run": s.RunSerializer(run).data if run else None, "nodes": nodes})
