"""Authentication of streams (WebSockets, SSE): `Authorization: Token <key>` for automation,
else the browser's session cookie.

Browsers cannot set headers on a WebSocket, so there `?token=<key>` is accepted too; it ends up
in access logs, so prefer the header where the client allows it. When a token is given it
decides alone: an unknown key is anonymous (4401 / 401), never a fallback to the session.
"""

from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import parse_cookie
from rest_framework.authtoken.models import Token


def header(scope: dict[str, Any], name: bytes) -> str | None:
    """A request header's value (`name` in lower case); None if absent."""
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return str(value.decode("latin1"))
    return None


def header_token_key(scope: dict[str, Any]) -> str | None:
    """The key from `Authorization: Token <key>`; None without one."""
    scheme, _, key = (header(scope, b"authorization") or "").strip().partition(" ")
    return key.strip() if scheme.lower() == "token" and key.strip() else None


def token_key(scope: dict[str, Any]) -> str | None:
    """The key from `Authorization: Token <key>`, else from `?token=`; None if neither."""
    key = header_token_key(scope)
    if key is not None:
        return key
    query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
    keys = query.get("token") or []
    return keys[0] if keys and keys[0] else None


def token_user(key: str) -> Any:
    """The active user of an API token; None for an unknown key or an inactive user."""
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


@database_sync_to_async
def user_for_token(key: str) -> Any:
    return token_user(key) or AnonymousUser()


class TokenAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from a token; place inside AuthMiddlewareStack (it overrides it)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        key = token_key(scope)
        if key is not None:
            scope = dict(scope, user=await user_for_token(key))
        return await super().__call__(scope, receive, send)


def stream_user(scope: dict[str, Any], *, query_token: bool) -> Any:
    """The token's user, else the session cookie's; None if neither (or inactive). Sync: one
    database trip for the caller's own (authorization included, where a stream's connect
    waits). `query_token` also accepts `?token=` (WebSockets)."""
    key = token_key(scope) if query_token else header_token_key(scope)
    if key is not None:
        return token_user(key)
    session_key = parse_cookie(header(scope, b"cookie") or "").get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own check: the session's backend, the user, and the password hash it recorded.
    user = get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    return user if user.is_authenticated else None
