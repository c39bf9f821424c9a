"""Webhook management (per workflow) and the public webhook receiver."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.api import serializers as s
from deployments.triggers import (
    SIGNATURE_HEADER,
    BadSignature,
    disable_webhook,
    enable_webhook,
    run_from_webhook,
)
from workflows.api.views import visible_workflows


class WorkflowWebhookView(APIView):
    @extend_schema(request=None, responses={201: s.WebhookSerializer})
    def post(self, request: Request, workflow_pk: str) -> Response:
        """Create (or rotate) the workflow's webhook; the secret is returned only now."""
        workflow = get_object_or_404(visible_workflows(request.user), pk=workflow_pk)
        token, secret = enable_webhook(request.user, workflow)
        return Response({
            "url": request.build_absolute_uri(f"/v1/api/hooks/{token}"),
            "secret": secret,
            "signature_header": SIGNATURE_HEADER,
            "signature_format": "sha256=<hex HMAC-SHA256 of the raw request body>",
        }, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, workflow_pk: str) -> Response:
        workflow = get_object_or_404(visible_workflows(request.user), pk=workflow_pk)
        disable_webhook(request.user, workflow)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HookView(APIView):
    """Starts a run when the body is signed with the webhook's secret; 401 starts nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER,
                                     required=True)],
        responses={202: s.RunStartedSerializer},
    )
    def post(self, request: Request, token: str) -> Response:
        try:
            run = run_from_webhook(token, request.body, request.headers.get(SIGNATURE_HEADER, ""))
        except BadSignature as exc:
            return Response({"code": "bad_signature", "message": str(exc)},
                            status=status.HTTP_401_UNAUTHORIZED)
        return Response({"run_id": run.pk, "status": run.status, "version": run.version.number},
                        status=status.HTTP_202_ACCEPTED)
