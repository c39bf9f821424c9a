from rest_framework import serializers

from deployments.models import NodeState, Run, RunLog


class NodeStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NodeState
        fields = ["node_id", "kind", "health", "message", "details", "updated_at"]
        read_only_fields = fields


class RunLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunLog
        fields = ["seq", "ts", "level", "node_id", "message"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Run
        fields = [
            "id",
            "workflow",
            "version",
            "status",
            "triggered_by",
            "trigger_data",
            "created_by",
            "created_at",
            "started_at",
            "completed_at",
            "duration_ms",
            "error",
        ]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    node_states = NodeStateSerializer(many=True, read_only=True)
    logs = RunLogSerializer(many=True, read_only=True)

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "node_states", "logs"]
        read_only_fields = fields


class StorageClassSerializer(serializers.Serializer):
    name = serializers.CharField()
    default = serializers.BooleanField()
    provisioner = serializers.CharField()


class ClusterInfoSerializer(serializers.Serializer):
    server_version = serializers.CharField()
    node_count = serializers.IntegerField(allow_null=True)
    namespaces = serializers.ListField(child=serializers.CharField())
    storage_classes = StorageClassSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class PreviewChangeSerializer(serializers.Serializer):
    path = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class PreviewItemSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    namespace = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    changes = PreviewChangeSerializer(many=True, required=False)
    error = serializers.CharField(required=False)
    note = serializers.CharField(required=False)


class PreviewSerializer(serializers.Serializer):
    objects = PreviewItemSerializer(many=True)


class StartRunSerializer(serializers.Serializer):
    trigger_data = serializers.JSONField(
        required=False,
        default=dict,
        help_text='Stored with the run, except "secrets": {"<secret node id>": {"KEY": "value"}} '
        "which is used for this run only and never stored, logged or returned. "
        '"timeout_seconds" (5-3600) overrides the health wait.',
    )


class RunStartedSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    status = serializers.CharField()
    version = serializers.IntegerField()


class WorkflowStatusSerializer(serializers.Serializer):
    run = RunSerializer(allow_null=True)
    nodes = serializers.DictField(child=NodeStateSerializer())


class WebhookSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="POST here to start a run")
    secret = serializers.CharField(help_text="Shown once. Sign the raw body with HMAC-SHA256.")
    signature_header = serializers.CharField()
    signature_format = serializers.CharField()
