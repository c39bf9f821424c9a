from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from deployments.api import serializers as s
from deployments.models import Run
from workflows.api.views import visible_workflows
from workflows.permissions import scoped


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
