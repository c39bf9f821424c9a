"""WebSocket routes; consumers authenticate and authorize in connect().

The event stream authenticates itself (kubeorch.stream_auth.stream_user, in its one database trip);
the terminal gets `scope["user"]` from channels' session and token middleware."""

from channels.auth import AuthMiddlewareStack
from django.urls import path, re_path

from deployments.consumers import WorkflowEventsConsumer
from deployments.streams.exec_consumer import ExecConsumer
from kubeorch.stream_auth import TokenAuthMiddleware

websocket_urlpatterns = [
    path("ws/workflows/<int:workflow_id>/", WorkflowEventsConsumer.as_asgi()),
    re_path(
        r"^ws/workflows/(?P<workflow_id>\d+)/nodes/(?P<node_id>[^/]+)/exec/?$",
        AuthMiddlewareStack(TokenAuthMiddleware(ExecConsumer.as_asgi())),
    ),
]
