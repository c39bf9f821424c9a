"""ASGI entry point: HTTP through Django (`/mcp` through the MCP server, the event streams
through deployments.sse), WebSockets through Channels routing."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeorch.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from deployments.mcp.app import is_mcp_path, mcp_app  # noqa: E402
from deployments.sse import event_streams, is_event_stream_path  # noqa: E402
from kubeorch.routing import websocket_urlpatterns  # noqa: E402


async def http_app(scope: dict, receive: Any, send: Any) -> None:
    """`/mcp` is the MCP server for coding agents (deployments/mcp), the event streams are
    deployments.sse; the rest is Django."""
    if is_mcp_path(scope["path"]):
        await mcp_app(scope, receive, send)
    elif is_event_stream_path(scope["path"]):
        await event_streams(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
