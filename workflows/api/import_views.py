"""Creating workflows from Kubernetes YAML and from starter templates. Thin: the placement
(team, cluster, namespace) is resolved from the user's own teams, the rest is an action."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeorch.errors import FieldError as E
from kubeorch.errors import InvalidInput
from workflows.actions import imports as import_actions
from workflows.api import import_serializers as s
from workflows.api.serializers import WorkflowSerializer
from workflows.api.views import personal_team
from workflows.models import Workflow
from workflows.starters import list_starters


def placement(user: Any, body: dict[str, Any]) -> dict[str, Any]:
    """team, cluster and namespace with the defaults of POST /workflows."""
    team = body.pop("team", None) or personal_team(user)
    if "cluster" not in body:
        body["cluster"] = team.clusters.order_by("id").first()
    if body["cluster"] is not None and body["cluster"].team_id != team.id:
        raise InvalidInput("no such cluster", [E("cluster", "no such cluster in this team")])
    body.setdefault(
        "namespace", body["cluster"].default_namespace if body["cluster"] else "default"
    )
    return {"team": team, **body}


def workflow_response(request: Request, workflow: Workflow, **extra: Any) -> Response:
    data = dict(WorkflowSerializer(workflow, context={"request": request}).data)
    return Response({**data, **extra}, status=status.HTTP_201_CREATED)


class ImportView(APIView):
    @extend_schema(
        request=s.ImportSerializer,
        responses={201: s.ImportedWorkflowSerializer},
        description="Create a workflow from Kubernetes YAML. Unsupported kinds and fields are "
        "skipped and listed in `warnings`; invalid YAML is a 400 naming the line and column.",
    )
    def post(self, request: Request) -> Response:
        body = s.ImportSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        fields = placement(request.user, dict(body.validated_data))
        workflow, warnings = import_actions.import_workflow(
            request.user, yaml_text=fields.pop("yaml"), **fields
        )
        return workflow_response(request, workflow, warnings=warnings)


class StarterListView(APIView):
    @extend_schema(responses=s.StarterSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(list_starters())


class StarterCreateView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("starter_id", str, OpenApiParameter.PATH)],
        request=s.StarterCreateSerializer,
        responses={201: WorkflowSerializer},
        description="Create a workflow holding a copy of the starter's topology.",
    )
    def post(self, request: Request, starter_id: str) -> Response:
        body = s.StarterCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        fields = placement(request.user, dict(body.validated_data))
        workflow = import_actions.create_from_starter(
            request.user, starter_id=starter_id, **fields
        )
        return workflow_response(request, workflow)
