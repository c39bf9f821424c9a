"""Deployment records in and out of the API. State fields are read-only: they change only
through the transition endpoints (the authority in `deployments.records`)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments.models import Attempt, Deployment
from deployments.models.records import AttemptStatus, DeploymentPhase, DeploymentStatus
from workflows.models import Cluster
from workflows.permissions import scoped


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "number",
            "status",
            "worker_id",
            "started_at",
            "ended_at",
            "heartbeat_at",
            "lease_expires_at",
            "error",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


class DeploymentSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "team",
            "target",
            "cluster",
            "namespace",
            "version",
            "object_name",
            "status",
            "phase",
            "error",
            "created_by",
            "created_at",
            "updated_at",
            "ended_at",
        ]
        read_only_fields = fields


class DeploymentDetailSerializer(DeploymentSerializer):
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "attempts"]
        read_only_fields = fields


class TransitionResultSerializer(DeploymentDetailSerializer):
    """The record after the request; `changed` is false for a duplicate (nothing written)."""

    changed = serializers.BooleanField(read_only=True)

    class Meta(DeploymentDetailSerializer.Meta):
        fields = [*DeploymentDetailSerializer.Meta.fields, "changed"]
        read_only_fields = fields


class AttemptResultSerializer(AttemptSerializer):
    changed = serializers.BooleanField(read_only=True)

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "changed"]
        read_only_fields = fields


class HistoryPageSerializer(serializers.Serializer):
    results = DeploymentSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="cursor of the next page, if any")


class HistoryQuerySerializer(serializers.Serializer):
    target = serializers.CharField(max_length=200)
    cluster = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    cursor = serializers.CharField(required=False, max_length=200)


@extend_schema_field(OpenApiTypes.INT)
class VisibleClusterField(serializers.PrimaryKeyRelatedField):
    """A cluster of the requesting user's teams; others are "not found", as everywhere."""

    def get_queryset(self) -> Any:
        return scoped(Cluster.objects.all(), self.context["request"].user).distinct()


class BeginSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=200, help_text="e.g. workflow:7 or artifact:42")
    cluster = VisibleClusterField()
    namespace = serializers.RegexField(
        r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63, required=False,
        help_text="defaults to the cluster's default namespace",
    )
    version = serializers.CharField(max_length=200, required=False, allow_null=True)
    object_name = serializers.RegexField(
        r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=253, required=False,
        help_text="the Kubernetes Deployment serving a non-workflow target",
    )


class DeploymentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(DeploymentStatus.choices, required=False)
    phase = serializers.ChoiceField(DeploymentPhase.choices, required=False)
    version = serializers.CharField(max_length=200, required=False)
    error = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    expected_from = serializers.ChoiceField(
        DeploymentStatus.choices, required=False,
        help_text="the status the caller believes the record is in (compare-and-swap)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not {"to", "phase", "version"} & set(attrs):
            raise serializers.ValidationError("give at least one of to, phase, version")
        return attrs


class AttemptTransitionSerializer(serializers.Serializer):
    # `unknown` is the server's verdict on an expired lease, never a client's claim.
    to = serializers.ChoiceField(
        [AttemptStatus.DEPLOYING, AttemptStatus.READY, AttemptStatus.FAILED]
    )
    expected_from = serializers.ChoiceField(AttemptStatus.choices, required=False)
    worker_id = serializers.CharField(max_length=200, required=False, default="")
    error = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class HeartbeatSerializer(serializers.Serializer):
    worker_id = serializers.CharField(max_length=200)


class TeardownSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="tear down even though an attempt is unknown"
    )
