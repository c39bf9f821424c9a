"""Live views of a workflow node: its pods (JSON) and their logs (server-sent events).

The logs view is a DRF view with an async handler (see AsyncAPIView) so that it gets DRF's
authentication, error shape and OpenAPI description while returning a StreamingHttpResponse over
an async generator: under ASGI the stream then holds no thread, only the followers do.
"""

import inspect
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.streams.logs import LogPlan, LogQuery, plan_logs, stream_logs
from deployments.streams.pods import describe_pod, node_pods
from workflows.api.views import visible_workflows
from workflows.models import Workflow


class EventStreamRenderer(BaseRenderer):
    """Lets `Accept: text/event-stream` through content negotiation; errors are JSON anyway."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data)


class AsyncAPIView(APIView):
    """An APIView whose handlers are coroutines (Django then treats the view as async).

    DRF's own dispatch is synchronous: authentication, permissions and throttles (which query
    the database) run here in a thread; exceptions become the usual JSON errors.
    """

    async def dispatch(  # type: ignore[override]
        self, request: Any, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        self.args, self.kwargs = args, kwargs
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        try:
            await sync_to_async(self.initial)(drf_request, *args, **kwargs)
            method = (drf_request.method or "").lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            response = (handler or self.http_method_not_allowed)(drf_request, *args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        if isinstance(response, Response):
            # Errors are JSON even when the client asked for an event stream.
            drf_request.accepted_renderer = JSONRenderer()
            drf_request.accepted_media_type = JSONRenderer.media_type
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return self.response


class PodSerializer(serializers.Serializer):
    name = serializers.CharField()
    phase = serializers.CharField()
    ready = serializers.BooleanField()
    restarts = serializers.IntegerField()
    containers = serializers.ListField(child=serializers.CharField())
    node_name = serializers.CharField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)


class LogQuerySerializer(serializers.Serializer):
    pod = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=253,
        help_text="One of the node's pods; empty: all of them, lines interleaved.",
    )
    container = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=63,
        help_text="Required by the API server when a pod has several containers.",
    )
    tail = serializers.IntegerField(required=False, min_value=0, help_text="Last N lines.")
    since = serializers.IntegerField(required=False, min_value=1, help_text="Last N seconds.")
    follow = serializers.BooleanField(
        required=False, default=False, help_text="Keep streaming new lines."
    )
    previous = serializers.BooleanField(
        required=False, default=False,
        help_text="The previous (crashed) instance of the container; never followed.",
    )


def visible_workflow(user: Any, workflow_pk: str) -> Workflow:
    return get_object_or_404(visible_workflows(user).select_related("cluster"), pk=workflow_pk)


class NodePodsView(APIView):
    """The node's pods, read live from the cluster ([] for kinds without pods)."""

    @extend_schema(responses={200: PodSerializer(many=True)})
    def get(self, request: Request, workflow_pk: str, node_id: str) -> Response:
        workflow = visible_workflow(request.user, workflow_pk)
        found = node_pods(workflow, node_id)
        return Response([describe_pod(pod) for pod in found.pods])


SSE_DESCRIPTION = (
    "Server-sent events. `event: log` with data `{pod, container, line, ts}` per line (the "
    "workflow's Secret values in a line are masked as `********:<fingerprint>`); "
    "`event: error` with `{pod, container, message}` when following one container fails; "
    "`: keepalive` comments while idle; `event: end` when every container's log ended "
    "(follow=0: after the current logs). Errors found before streaming are JSON 4xx."
)


class NodeLogsView(AsyncAPIView):
    """Logs of the node's pods as server-sent events; follow=1 keeps streaming."""

    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        # `format` would come from the two renderers; the stream has one representation.
        parameters=[LogQuerySerializer, OpenApiParameter("format", exclude=True)],
        responses={
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, SSE_DESCRIPTION),
            400: OpenApiResponse(description="Bad options, or the API server refused them."),
            404: OpenApiResponse(description="No such workflow, node or pod."),
        },
    )
    async def get(self, request: Request, workflow_pk: str, node_id: str) -> HttpResponseBase:
        params = LogQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = LogQuery(**params.validated_data)
        plan = await sync_to_async(_plan)(request.user, workflow_pk, node_id, query)
        response = StreamingHttpResponse(stream_logs(plan), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # proxies must not buffer the stream
        return response


def _plan(user: Any, workflow_pk: str, node_id: str, query: LogQuery) -> LogPlan:
    try:
        return plan_logs(visible_workflow(user, workflow_pk), node_id, query)
    finally:
        # A followed stream can last hours: do not hold a database connection for it
        # (Django would close it only when the response finishes). Never inside a
        # transaction (tests wrap requests in one).
        if not connection.in_atomic_block:
            connection.close()
