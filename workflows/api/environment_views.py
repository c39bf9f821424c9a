"""`/api/environments` (every member reads, admins mark protected) and `/api/credential-access`
(the audit of credential reads, for team admins). Thin views: scope to the user's teams (404
outside) and call `workflows.actions.environments`."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.actions import environments as actions
from workflows.api.serializers import validate_namespace
from workflows.models import Cluster, CredentialAccess, Environment, Membership, Role
from workflows.permissions import MANAGE, require, scoped, visible_teams

NOT_FOUND = OpenApiResponse(description="not found (or not in your teams)")
FORBIDDEN = OpenApiResponse(description="permission_denied: team admins only")
PAGE = 50


class EnvironmentSerializer(serializers.ModelSerializer):
    cluster_name = serializers.CharField(source="cluster.name", read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True,
                                       allow_null=True, default=None)

    class Meta:
        model = Environment
        fields = ["id", "team", "cluster", "cluster_name", "namespace", "protected",
                  "updated_by", "created_at", "updated_at"]
        read_only_fields = fields


class EnvironmentQuerySerializer(serializers.Serializer):
    cluster = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    protected = serializers.BooleanField(required=False, allow_null=True, default=None)


class MarkSerializer(serializers.Serializer):
    cluster = serializers.IntegerField(min_value=1, max_value=2**62)
    namespace = serializers.CharField(max_length=63, validators=[validate_namespace])
    protected = serializers.BooleanField()


class ProtectSerializer(serializers.Serializer):
    protected = serializers.BooleanField()


class CredentialAccessSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = CredentialAccess
        fields = ["id", "at", "user", "team", "target", "via", "revision", "cluster",
                  "namespace", "protected", "role", "keys", "masked", "reason", "client_ip",
                  "user_agent"]
        read_only_fields = fields


class AccessQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    target = serializers.CharField(required=False, max_length=200)
    cursor = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class AccessPageSerializer(serializers.Serializer):
    results = CredentialAccessSerializer(many=True)
    next = serializers.IntegerField(allow_null=True)


def visible_environments(user: Any) -> QuerySet[Environment]:
    return (Environment.objects.filter(team_id__in=visible_teams(user).values("pk"))
            .select_related("cluster", "updated_by"))


class EnvironmentListView(APIView):
    @extend_schema(operation_id="list_environments", parameters=[EnvironmentQuerySerializer],
                   summary="Environments (cluster + namespace) of your teams",
                   responses={200: EnvironmentSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = EnvironmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = visible_environments(request.user)
        if query.validated_data.get("cluster"):
            rows = rows.filter(cluster_id=query.validated_data["cluster"])
        if query.validated_data.get("protected") is not None:
            rows = rows.filter(protected=query.validated_data["protected"])
        return Response(EnvironmentSerializer(rows, many=True).data)

    @extend_schema(operation_id="mark_environment", request=MarkSerializer,
                   summary="Mark (cluster, namespace) protected or not: team admins only",
                   responses={200: EnvironmentSerializer, 201: EnvironmentSerializer,
                              403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request: Request) -> Response:
        body = MarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        cluster = get_object_or_404(scoped(Cluster.objects.all(), request.user).distinct(),
                                    pk=data["cluster"])
        environment, created = actions.set_protection(
            request.user, cluster, data["namespace"], data["protected"])
        environment = visible_environments(request.user).get(pk=environment.pk)
        return Response(EnvironmentSerializer(environment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class EnvironmentDetailView(APIView):
    @extend_schema(operation_id="get_environment",
                   responses={200: EnvironmentSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        environment = get_object_or_404(visible_environments(request.user), pk=pk)
        return Response(EnvironmentSerializer(environment).data)

    @extend_schema(operation_id="protect_environment", request=ProtectSerializer,
                   summary="Protect or unprotect: team admins only",
                   responses={200: EnvironmentSerializer, 403: FORBIDDEN, 404: NOT_FOUND})
    def patch(self, request: Request, pk: int) -> Response:
        environment = get_object_or_404(visible_environments(request.user), pk=pk)
        body = ProtectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.set_protection(request.user, environment.cluster, environment.namespace,
                               body.validated_data["protected"])
        environment = visible_environments(request.user).get(pk=pk)
        return Response(EnvironmentSerializer(environment).data)


class CredentialAccessListView(APIView):
    @extend_schema(operation_id="list_credential_access", parameters=[AccessQuerySerializer],
                   summary="Audit of credential reads in the teams you admin, newest first",
                   responses={200: AccessPageSerializer, 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request: Request) -> Response:
        query = AccessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("team"):
            team = get_object_or_404(visible_teams(request.user), pk=params["team"])
            require(request.user, team.pk, MANAGE, "the credential audit")
            teams: Any = [team.pk]
        else:
            teams = Membership.objects.filter(user=request.user.pk or 0, role=Role.ADMIN).values(
                "team_id")
        rows = CredentialAccess.objects.filter(team_id__in=teams).select_related("user")
        if params.get("target"):
            rows = rows.filter(target=params["target"])
        if params.get("cursor"):
            rows = rows.filter(pk__lt=params["cursor"])
        items = list(rows.order_by("-id")[: PAGE + 1])
        following = items[PAGE - 1].pk if len(items) > PAGE else None
        return Response({"results": CredentialAccessSerializer(items[:PAGE], many=True).data,
                         "next": following})
