"""WebSocket routes; consumers authenticate and authorize in connect()."""

from django.urls import path

from deployments.consumers import WorkflowEventsConsumer

websocket_urlpatterns = [
    path("ws/workflows/<int:workflow_id>/", WorkflowEventsConsumer.as_asgi()),
]
