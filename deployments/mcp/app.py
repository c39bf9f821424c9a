"""The MCP endpoint as an ASGI app: API-token authentication, then the SDK's streamable HTTP.

Stateless JSON mode: every POST is answered on its own (no `Mcp-Session-Id`, no server-held
session), so any web process behind a load balancer can answer any request.

The SDK's session manager needs `run()` entered (a task group) before it handles a request;
servers usually do that in the ASGI lifespan, which Daphne does not send. So the manager is
started on the first request, in a task of the serving event loop, and kept for that loop.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from deployments.mcp.tools import server

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
KEYWORDS = (b"token", b"bearer")  # DRF's `Token <key>`; `Bearer <key>` for generic MCP clients


class _Running:
    """A session manager whose `run()` is held open by a task of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # What MCPServer.streamable_http_app() builds, once per loop: that method makes one
        # manager per server, and a manager's run() can be entered only once.
        self.manager = StreamableHTTPSessionManager(
            app=server._lowlevel_server, json_response=True, stateless=True)
        self.started = asyncio.Event()
        self.task = loop.create_task(self._hold(), name="mcp-session-manager")

    async def _hold(self) -> None:
        async with self.manager.run():
            self.started.set()
            await asyncio.Event().wait()  # until the loop shuts down and cancels this task


_running: _Running | None = None


async def _manager() -> StreamableHTTPSessionManager:
    global _running
    loop = asyncio.get_running_loop()
    if _running is None or _running.loop is not loop or _running.task.done():
        _running = _Running(loop)
    running = _running
    waiter = asyncio.ensure_future(running.started.wait())
    done, _ = await asyncio.wait({waiter, running.task}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        running.task.result()  # raises why the manager stopped
        raise RuntimeError("the MCP session manager stopped")
    return running.manager


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", []) if key.lower() == name), None)


def _authenticate(key: str) -> Any:
    """DRF's token check (unknown key, inactive user), in Django's sync thread."""
    close_old_connections()
    try:
        user, _token = TokenAuthentication().authenticate_credentials(key)
        return user
    finally:
        close_old_connections()


async def _user(scope: Scope) -> tuple[Any, str]:
    """The token's user, or AnonymousUser and the reason."""
    header = _header(scope, b"authorization")
    if not header:
        return AnonymousUser(), str(exceptions.NotAuthenticated.default_detail)
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
        return AnonymousUser(), "Invalid token header. Expected 'Token <key>'."
    try:
        key = parts[1].decode()
        return await sync_to_async(_authenticate, thread_sensitive=True)(key), ""
    except UnicodeDecodeError:
        return AnonymousUser(), "Invalid token header. Token string should not contain invalid " \
                                "characters."
    except exceptions.AuthenticationFailed as failed:
        return AnonymousUser(), str(failed.detail)


async def _reply(send: Any, status: int, body: dict[str, Any],
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


async def _drain(receive: Any) -> None:
    """Read the request body a refused request sent, so the server can reuse the connection."""
    with contextlib.suppress(Exception):
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                return


async def mcp_app(scope: Scope, receive: Any, send: Any) -> None:
    """`/mcp`: 401 without a valid API token, otherwise the MCP streamable HTTP transport."""
    host = (_header(scope, b"host") or b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        await _drain(receive)
        await _reply(send, 400, {"code": "bad_request", "message": "Invalid Host header"})
        return
    user, reason = await _user(scope)
    if not user.is_authenticated:
        await _drain(receive)
        await _reply(send, 401, {"code": "not_authenticated", "message": reason},
                     [(b"www-authenticate", b"Token")])
        return
    manager = await _manager()
    await manager.handle_request({**scope, "user": user}, receive, send)


def is_mcp_path(path: str) -> bool:
    return path in ("/mcp", "/mcp/")
