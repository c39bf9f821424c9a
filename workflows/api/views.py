"""Thin views: authorize through scoped querysets, then hand the work to an action function."""

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeorch.errors import FieldError as E
from kubeorch.errors import InvalidInput, NotFound
from workflows import kinds
from workflows.actions import clusters as cluster_actions
from workflows.actions import teams as team_actions
from workflows.actions import versions as version_actions
from workflows.actions import workflows as workflow_actions
from workflows.api import serializers as s
from workflows.compare import compare_graphs
from workflows.models import Cluster, Membership, Team, Workflow, WorkflowVersion
from workflows.permissions import scoped, visible_teams
from workflows.secret_masking import mask_nodes


def personal_team(user: Any) -> Team:
    return visible_teams(user).filter(personal=True).order_by(
        "id"
    ).first() or team_actions.create_personal_team(user)


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TeamSerializer

    def get_queryset(self) -> QuerySet[Team]:
        return visible_teams(self.request.user).distinct()

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = team_actions.create_team(
            self.request.user, serializer.validated_data["name"]
        )

    @extend_schema(responses=s.MembershipSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str) -> Response:
        team = self.get_object()
        page = Membership.objects.filter(team=team).select_related("user")
        return Response(s.MembershipSerializer(page, many=True).data)

    @members.mapping.post
    @extend_schema(request=s.AddMemberSerializer, responses={201: s.MembershipSerializer})
    def add_member(self, request: Request, pk: str) -> Response:
        team = self.get_object()
        body = s.AddMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = team_actions.add_member(request.user, team, **body.validated_data)
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RoleSerializer, responses=s.MembershipSerializer)
    @action(detail=True, methods=["patch"], url_path=r"members/(?P<user_id>\d+)")
    def member(self, request: Request, pk: str, user_id: str) -> Response:
        membership = team_actions.get_membership(self.get_object(), int(user_id))
        body = s.RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = team_actions.change_role(request.user, membership, body.validated_data["role"])
        return Response(s.MembershipSerializer(membership).data)

    @member.mapping.delete
    @extend_schema(responses={204: None})
    def remove_member(self, request: Request, pk: str, user_id: str) -> Response:
        membership = team_actions.get_membership(self.get_object(), int(user_id))
        team_actions.remove_member(request.user, membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClusterViewSet(viewsets.ModelViewSet):
    serializer_class = s.ClusterSerializer

    def get_queryset(self) -> QuerySet[Cluster]:
        return scoped(Cluster.objects.all(), self.request.user).distinct()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.setdefault("team", personal_team(self.request.user))
        serializer.instance = cluster_actions.create_cluster(self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("team", None)  # a cluster does not move between teams
        serializer.instance = cluster_actions.update_cluster(
            self.request.user, serializer.instance, **data
        )

    def perform_destroy(self, instance: Cluster) -> None:
        cluster_actions.delete_cluster(self.request.user, instance)


def visible_workflows(user: Any) -> QuerySet[Workflow]:
    return scoped(Workflow.objects.all(), user).select_related("created_by").distinct()


def with_last_run(queryset: QuerySet[Workflow]) -> QuerySet[Workflow]:
    """The newest run's id, status and time as columns: a page of workflows is one query,
    not one more per workflow (the LastRunField reads these when present)."""
    from deployments.models import Run

    newest = Run.objects.filter(workflow=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.annotate(
        last_run_id=Subquery(newest.values("pk")[:1]),
        last_run_status=Subquery(newest.values("status")[:1]),
        last_run_created_at=Subquery(newest.values("created_at")[:1]),
    )


class WorkflowViewSet(viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Workflow]:
        queryset = visible_workflows(self.request.user)
        if self.action == "list":
            status_filter = self.request.query_params.get("status")
            if status_filter:
                queryset = queryset.filter(status=status_filter)
            queryset = with_last_run(queryset)
        return queryset

    def get_serializer_class(self) -> type:
        if self.action == "list":
            return s.WorkflowListSerializer
        if self.action == "partial_update":
            return s.WorkflowUpdateSerializer
        return s.WorkflowSerializer

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        team = data.pop("team", None) or personal_team(self.request.user)
        if "cluster" not in data:
            data["cluster"] = team.clusters.order_by("id").first()
        if data.get("cluster") is not None and data["cluster"].team_id != team.id:
            raise InvalidInput("no such cluster", [E("cluster", "no such cluster in this team")])
        data.setdefault(
            "namespace", data["cluster"].default_namespace if data["cluster"] else "default"
        )
        serializer.instance = workflow_actions.create_workflow(self.request.user, team=team, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = workflow_actions.update_workflow(
            self.request.user, serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Workflow) -> None:
        workflow_actions.delete_workflow(self.request.user, instance)

    def _respond(self, workflow: Workflow, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.WorkflowSerializer(workflow, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.GraphSerializer, responses=s.WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: str) -> Response:
        body = s.GraphSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow = workflow_actions.save_graph(
            request.user,
            self.get_object(),
            body.validated_data["nodes"],
            body.validated_data["edges"],
        )
        return self._respond(workflow)

    @extend_schema(request=None, responses=s.WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._respond(workflow_actions.publish(request.user, self.get_object()))

    @extend_schema(request=None, responses=s.WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        return self._respond(workflow_actions.archive(request.user, self.get_object()))

    @extend_schema(request=None, responses=s.WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str) -> Response:
        return self._respond(workflow_actions.to_draft(request.user, self.get_object()))

    @extend_schema(request=s.CloneSerializer, responses={201: s.WorkflowSerializer})
    @action(detail=True, methods=["post"])
    def clone(self, request: Request, pk: str) -> Response:
        body = s.CloneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clone = workflow_actions.clone_workflow(
            request.user, self.get_object(), body.validated_data.get("name")
        )
        return self._respond(clone, status.HTTP_201_CREATED)


class WorkflowVersionViewSet(viewsets.GenericViewSet):
    """Versions of one workflow, addressed by number."""

    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def workflow(self) -> Workflow:
        return get_object_or_404(
            visible_workflows(self.request.user), pk=self.kwargs["workflow_pk"]
        )

    def get_queryset(self) -> QuerySet[WorkflowVersion]:
        return self.workflow().versions.select_related("created_by").order_by("-number")

    def get_serializer_class(self) -> type:
        return s.VersionDetailSerializer if self.action == "retrieve" else s.VersionSerializer

    @extend_schema(responses=s.VersionSerializer(many=True))
    def list(self, request: Request, workflow_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset().defer("nodes", "edges"))
        return self.get_paginated_response(s.VersionSerializer(page, many=True).data)

    @extend_schema(request=s.VersionCreateSerializer, responses={201: s.VersionSerializer})
    def create(self, request: Request, workflow_pk: str) -> Response:
        body = s.VersionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = version_actions.create_version(
            request.user, self.workflow(), **body.validated_data
        )
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.VersionDetailSerializer)
    def retrieve(self, request: Request, workflow_pk: str, number: str) -> Response:
        return Response(s.VersionDetailSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, workflow_pk: str, number: str) -> Response:
        version = version_actions.restore_version(request.user, self.workflow(), self.get_object())
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="older version number"),
            OpenApiParameter("to", int, required=True, description="newer version number"),
        ],
        responses=s.CompareSerializer,
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request, workflow_pk: str) -> Response:
        numbers = {}
        for param in ("from", "to"):
            raw = request.query_params.get(param, "")
            if not raw.isdigit():
                raise InvalidInput(
                    f"{param} must be a version number", [E(param, "required: a version number")]
                )
            numbers[param] = int(raw)
        versions = {v.number: v for v in self.get_queryset().filter(number__in=numbers.values())}
        for param, number in numbers.items():
            if number not in versions:
                raise NotFound(f"version {number} ({param}) does not exist")
        old, new = versions[numbers["from"]], versions[numbers["to"]]
        # Masked with a keyed fingerprint: a changed secret shows as changed, never its value.
        return Response(
            compare_graphs(mask_nodes(old.nodes), old.edges, mask_nodes(new.nodes), new.edges)
        )


class TemplatesView(APIView):
    """The node-kind catalog the canvas builds its palette and forms from."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request: Request) -> Response:
        return Response(kinds.catalog())
