import re
from typing import Any

import yaml
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.kinds.validators import is_cron_schedule
from workflows.models import (
    Cluster,
    ConnectionKind,
    Membership,
    Role,
    Team,
    Workflow,
    WorkflowVersion,
)
from workflows.permissions import role_in
from workflows.secret_masking import mask_nodes

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def validate_namespace(value: str) -> None:
    if not DNS_LABEL.match(value):
        raise serializers.ValidationError(
            "must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters"
        )


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in this team.")

    class Meta:
        model = Team
        fields = ["id", "name", "personal", "role", "created_at"]
        read_only_fields = ["personal", "created_at"]

    def get_role(self, team: Team) -> str | None:
        return role_in(self.context["request"].user, team.id)


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    user_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role", "created_at"]
        read_only_fields = ["created_at"]


class AddMemberSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.DEVELOPER)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class VisibleTeamField(serializers.PrimaryKeyRelatedField):
    """A team of the requesting user; others do not exist as far as the API is concerned."""

    def get_queryset(self) -> Any:
        return Team.objects.filter(memberships__user=self.context["request"].user)


# What each connection kind needs; the values are write-only and stored encrypted.
CREDENTIAL_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    ConnectionKind.SANDBOX: (set(), set()),
    ConnectionKind.IN_CLUSTER: (set(), set()),
    ConnectionKind.KUBECONFIG: ({"kubeconfig"}, {"context"}),
    ConnectionKind.TOKEN: ({"server", "token"}, {"ca_cert", "insecure_skip_tls_verify"}),
}


class ClusterSerializer(serializers.ModelSerializer):
    team = VisibleTeamField(required=False)
    credentials = serializers.JSONField(
        write_only=True,
        required=False,
        help_text="kubeconfig: {kubeconfig, context?}; token: {server, token, ca_cert?, "
        "insecure_skip_tls_verify?}. Write-only: never returned.",
    )
    has_credentials = serializers.BooleanField(read_only=True)
    default_namespace = serializers.CharField(
        max_length=63, required=False, validators=[validate_namespace]
    )

    class Meta:
        model = Cluster
        fields = [
            "id",
            "name",
            "team",
            "connection_kind",
            "credentials",
            "has_credentials",
            "default_namespace",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # the team defaults to the personal one; uniqueness is checked there

    def validate_name(self, value: str) -> str:
        validate_namespace(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("connection_kind") or getattr(self.instance, "connection_kind", None)
        if "credentials" in attrs or "connection_kind" in attrs:
            attrs["credentials"] = check_credentials(kind, attrs.get("credentials") or {})
        return attrs


def check_credentials(kind: str | None, credentials: Any) -> dict[str, Any]:
    if not isinstance(credentials, dict):
        raise serializers.ValidationError({"credentials": ["must be an object"]})
    required, optional = CREDENTIAL_FIELDS.get(kind or "", (set(), set()))
    errors = {f"credentials.{k}": ["this field is required"] for k in required - credentials.keys()}
    errors |= {
        f"credentials.{k}": [f"not used by a {kind} connection"]
        for k in credentials.keys() - required - optional
    }
    if "kubeconfig" in credentials and "credentials.kubeconfig" not in errors:
        try:
            parsed = yaml.safe_load(credentials["kubeconfig"])
        except yaml.YAMLError as exc:
            parsed = None
            errors["credentials.kubeconfig"] = [f"not valid YAML: {exc}"]
        if parsed is not None and not (isinstance(parsed, dict) and parsed.get("clusters")):
            errors["credentials.kubeconfig"] = ["not a kubeconfig: it has no clusters"]
    if errors:
        raise serializers.ValidationError(errors)
    return credentials


class LastRunField(serializers.Field):
    def to_representation(self, workflow: Workflow) -> dict[str, Any] | None:
        if hasattr(workflow, "last_run_id"):  # annotated by the list query (no extra query)
            annotated: Any = workflow
            if annotated.last_run_id is None:
                return None
            return {"id": annotated.last_run_id, "status": annotated.last_run_status,
                    "created_at": annotated.last_run_created_at}
        run = workflow.runs.order_by("-created_at", "-id").first()
        if run is None:
            return None
        return {"id": run.pk, "status": run.status, "created_at": run.created_at}


class WorkflowSerializer(serializers.ModelSerializer):
    team = VisibleTeamField(required=False)
    cluster = serializers.PrimaryKeyRelatedField(
        queryset=Cluster.objects.all(), required=False, allow_null=True
    )
    namespace = serializers.CharField(
        max_length=63, required=False, validators=[validate_namespace]
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    last_run = extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        }
    )(LastRunField)(source="*", read_only=True)
    schedule = serializers.CharField(
        max_length=120, required=False, allow_blank=True,
        help_text='Cron expression (UTC, e.g. "0 3 * * *" or "@daily") to run on; "" for none.',
    )
    webhook_enabled = serializers.SerializerMethodField()
    nodes = serializers.JSONField(required=False, help_text="React Flow nodes; see /templates")
    edges = serializers.JSONField(required=False)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "team",
            "cluster",
            "namespace",
            "status",
            "nodes",
            "edges",
            "current_version",
            "run_count",
            "success_count",
            "failure_count",
            "last_run_at",
            "last_run",
            "schedule",
            "webhook_enabled",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "current_version",
            "run_count",
            "success_count",
            "failure_count",
            "last_run_at",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Workflow) -> dict[str, Any]:
        data = super().to_representation(instance)
        if "nodes" in data:
            data["nodes"] = mask_nodes(data["nodes"])  # secret values never leave the server
        return data

    def get_webhook_enabled(self, workflow: Workflow) -> bool:
        return bool(workflow.webhook_token)

    def validate_schedule(self, value: str) -> str:
        value = value.strip()
        if value and not is_cron_schedule(value):
            raise serializers.ValidationError(
                'must be a 5-field cron expression ("m h dom mon dow") or a macro like @daily'
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        team = attrs.get("team") or getattr(self.instance, "team", None)
        cluster = attrs.get("cluster")
        if cluster is not None and team is not None and cluster.team_id != team.id:
            raise serializers.ValidationError({"cluster": ["no such cluster in this team"]})
        return attrs


class WorkflowUpdateSerializer(WorkflowSerializer):
    """PATCH changes settings only: the graph goes through /save, and a workflow never changes
    team. (Declared fields ignore Meta.read_only_fields, hence the explicit redeclaration.)"""

    team: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    nodes = serializers.JSONField(read_only=True)
    edges = serializers.JSONField(read_only=True)


class WorkflowListSerializer(WorkflowSerializer):
    node_count = serializers.SerializerMethodField()

    class Meta(WorkflowSerializer.Meta):
        fields = [f for f in WorkflowSerializer.Meta.fields if f not in ("nodes", "edges")]
        fields.append("node_count")

    def get_node_count(self, workflow: Workflow) -> int:
        return len(workflow.nodes) if isinstance(workflow.nodes, list) else 0


class GraphSerializer(serializers.Serializer):
    nodes = serializers.JSONField(help_text="List of nodes {id, type, position, data}")
    edges = serializers.JSONField(help_text="List of edges {id, source, target}")


class CloneSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)


class VersionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tag = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class VersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    node_count = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowVersion
        fields = [
            "number",
            "name",
            "tag",
            "description",
            "source",
            "restored_from",
            "created_by",
            "created_at",
            "node_count",
        ]
        read_only_fields = fields

    def get_node_count(self, version: WorkflowVersion) -> int:
        return len(version.nodes)


class VersionDetailSerializer(VersionSerializer):
    def to_representation(self, instance: WorkflowVersion) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["nodes"] = mask_nodes(data["nodes"])
        return data

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "nodes", "edges"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    path = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ModifiedSerializer(serializers.Serializer):
    id = serializers.CharField()
    changes = ChangeSerializer(many=True)


class ItemDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.JSONField())
    removed = serializers.ListField(child=serializers.JSONField())
    modified = ModifiedSerializer(many=True)


class CompareSerializer(serializers.Serializer):
    nodes = ItemDiffSerializer()
    edges = ItemDiffSerializer()
