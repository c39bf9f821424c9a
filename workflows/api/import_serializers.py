"""Request and response shapes of the import and starter endpoints."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.api.serializers import VisibleTeamField, WorkflowSerializer, validate_namespace
from workflows.models import Cluster
from workflows.permissions import scoped

# Far above any real `helm template` output; bounds the work of one request.
MAX_YAML_CHARS = 2_000_000


@extend_schema_field(OpenApiTypes.INT)
class TeamIdField(VisibleTeamField):
    """A team id (typed for the schema: a plain Serializer has no model to derive it from)."""


@extend_schema_field(OpenApiTypes.INT)
class VisibleClusterField(serializers.PrimaryKeyRelatedField):
    """A cluster of one of the user's teams: other teams' clusters do not exist here."""

    def get_queryset(self) -> Any:
        return scoped(Cluster.objects.all(), self.context["request"].user).distinct()


class PlacementSerializer(serializers.Serializer):
    """Where the new workflow goes; defaults as for POST /workflows."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    team = TeamIdField(required=False, help_text="Default: your personal team.")
    cluster = VisibleClusterField(
        required=False, allow_null=True, help_text="Default: the team's first cluster."
    )
    namespace = serializers.CharField(
        max_length=63, required=False, validators=[validate_namespace],
        help_text="Default: the cluster's default namespace.",
    )


class ImportSerializer(PlacementSerializer):
    yaml = serializers.CharField(
        max_length=MAX_YAML_CHARS, trim_whitespace=False,
        help_text="Kubernetes objects: multi-document YAML or a `kind: List`, as printed by "
        "`kubectl get -o yaml` or `helm template`.",
    )


class StarterCreateSerializer(PlacementSerializer):
    name = serializers.CharField(
        max_length=200, required=False, help_text="Default: the starter's name."
    )


class ImportedWorkflowSerializer(WorkflowSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="What could not be imported as is, object by object.",
    )

    class Meta(WorkflowSerializer.Meta):
        fields = [*WorkflowSerializer.Meta.fields, "warnings"]


class StarterSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    nodes = serializers.JSONField()
    edges = serializers.JSONField()
