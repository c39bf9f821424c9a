"""Node diagnostics: checks with evidence, and applying one of their fixes to the saved graph.

Viewers may read diagnostics; applying a fix is an edit (developers and admins). Workflows
outside the user's teams answer 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.diagnostics import apply_fix, diagnose
from workflows.api.serializers import WorkflowSerializer
from workflows.api.views import visible_workflows


class PatchOpSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="/nodes/{node id}/data/... or /edges/{edge id}")
    old = serializers.JSONField(allow_null=True, help_text="the value the diagnosis saw")
    new = serializers.JSONField(allow_null=True, help_text="null removes the value")


class FixSerializer(serializers.Serializer):
    id = serializers.CharField()
    description = serializers.CharField()
    patch = PatchOpSerializer(many=True)


class CheckSerializer(serializers.Serializer):
    id = serializers.CharField()
    # Inline enum: a named ChoiceField would collide with the other "status" enums.
    status = extend_schema_field({"type": "string", "enum": ["pass", "warn", "error"]})(
        serializers.CharField
    )()
    message = serializers.CharField()
    evidence = serializers.DictField(help_text="pods, reasons, events, exit codes, log lines")
    fix = FixSerializer(required=False)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class DiagnosticsSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    kind = serializers.CharField()
    health = HealthSerializer()
    checks = CheckSerializer(many=True)


class FixRequestSerializer(serializers.Serializer):
    fix_id = serializers.CharField(max_length=100)


class AppliedFixSerializer(FixSerializer):
    node_id = serializers.CharField()
    check_id = serializers.CharField()


class FixResultSerializer(serializers.Serializer):
    workflow = WorkflowSerializer()
    applied = AppliedFixSerializer()


class NodeDiagnosticsView(APIView):
    """Every check of one node, against the saved graph and the live cluster."""

    @extend_schema(responses={200: DiagnosticsSerializer})
    def get(self, request: Request, workflow_pk: str, node_id: str) -> Response:
        workflow = get_object_or_404(
            visible_workflows(request.user).select_related("cluster"), pk=workflow_pk
        )
        return Response(diagnose(workflow, node_id).to_dict())


class NodeDiagnosticsFixView(APIView):
    """Apply a fix the diagnosis offers to the saved graph (the user re-runs to deploy it)."""

    @extend_schema(request=FixRequestSerializer, responses={200: FixResultSerializer})
    def post(self, request: Request, workflow_pk: str, node_id: str) -> Response:
        workflow = get_object_or_404(
            visible_workflows(request.user).select_related("cluster"), pk=workflow_pk
        )
        body = FixRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow, applied = apply_fix(
            request.user, workflow, node_id, body.validated_data["fix_id"]
        )
        data = WorkflowSerializer(workflow, context={"request": request}).data
        return Response({"workflow": data, "applied": applied})
