"""`GET /api/artifacts/{id}/credentials` and `GET /api/deployments/{id}/credentials`: thin
views. They scope to the user's teams (404 outside) and hand the read, its masking decision and
its audit row to `deployments.credentials`."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments import credentials
from deployments.api.record_views import visible_deployments
from deployments.artifacts import service
from workflows.credentials import Client

NOT_FOUND = OpenApiResponse(description="not found (or not in your teams)")
NO_CREDENTIALS = OpenApiResponse(description="no_credentials: the target holds none")


def client_of(request: Request) -> Client:
    return Client(ip=request.META.get("REMOTE_ADDR") or None,
                  user_agent=str(request.META.get("HTTP_USER_AGENT", "")))


def _no_store(body: dict[str, Any]) -> Response:
    response = Response(body)
    response["Cache-Control"] = "no-store"  # values must not outlive the audited read
    return response


class ShownValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="in full, or `********` + the last 4 characters")
    masked = serializers.BooleanField()
    reason = serializers.CharField()


class SecretValueSerializer(ShownValueSerializer):
    key = serializers.CharField()


class ConnectionSerializer(serializers.Serializer):
    cluster = serializers.CharField()
    namespace = serializers.CharField()
    api_server = ShownValueSerializer(allow_null=True)
    service_dns = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_blank=True)
    image_ref = serializers.CharField(allow_blank=True)
    secret_refs = serializers.ListField(child=serializers.DictField())


class EnvironmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    cluster = serializers.IntegerField()
    namespace = serializers.CharField()
    protected = serializers.BooleanField()


class CredentialsSerializer(serializers.Serializer):
    target = serializers.CharField()
    via = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    role = serializers.CharField()
    environment = EnvironmentRefSerializer()
    masked = serializers.BooleanField()
    reason = serializers.CharField()
    connection = ConnectionSerializer()
    secrets = SecretValueSerializer(many=True)
    audit_id = serializers.IntegerField()


class ArtifactCredentialsView(APIView):
    @extend_schema(operation_id="get_artifact_credentials",
                   summary="Connection info and secret values (masked by role and "
                           "environment protection); every read is audited",
                   responses={200: CredentialsSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        artifact = get_object_or_404(service.visible_artifacts(request.user), pk=pk)
        return _no_store(credentials.artifact_credentials(
            request.user, artifact, client_of(request)))


class DeploymentCredentialsView(APIView):
    @extend_schema(operation_id="get_deployment_credentials",
                   summary="The credentials panel of a deployment's target in the record's "
                           "environment; every read is audited",
                   responses={200: CredentialsSerializer, 404: NOT_FOUND, 409: NO_CREDENTIALS})
    def get(self, request: Request, pk: int) -> Response:
        deployment = get_object_or_404(visible_deployments(request.user), pk=pk)
        return _no_store(credentials.deployment_credentials(
            request.user, deployment, client_of(request)))
