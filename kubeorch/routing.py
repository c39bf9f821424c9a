"""WebSocket routes; consumers authenticate and authorize in connect()."""

from django.urls import path, re_path

from deployments.consumers import WorkflowEventsConsumer
from deployments.streams.exec_consumer import ExecConsumer

websocket_urlpatterns = [
    path("ws/workflows/<int:workflow_id>/", WorkflowEventsConsumer.as_asgi()),
    re_path(
        r"^ws/workflows/(?P<workflow_id>\d+)/nodes/(?P<node_id>[^/]+)/exec/?$",
        ExecConsumer.as_asgi(),
    ),
]
