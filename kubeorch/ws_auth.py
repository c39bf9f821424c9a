"""Token authentication for WebSockets, for automation (the REST API's `Token <key>`).

Browsers cannot set headers on a WebSocket, so `?token=<key>` is accepted too; it ends up in
access logs, so prefer the header where the client allows it. When a token is given it decides
alone: an unknown key is anonymous (4401), never a fallback to the session.
"""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


def header_token_key(scope: dict[str, Any]) -> str | None:
    """The key from `Authorization: Token <key>`; None without one."""
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            scheme, _, key = value.decode("latin1").strip().partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    return None


def token_key(scope: dict[str, Any]) -> str | None:
    """The key from `Authorization: Token <key>`, else from `?token=`; None if neither."""
    key = header_token_key(scope)
    if key is not None:
        return key
    query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
    keys = query.get("token") or []
    return keys[0] if keys and keys[0] else None


@database_sync_to_async
def user_for_token(key: str) -> Any:
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from a token; place inside AuthMiddlewareStack (it overrides it)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        key = token_key(scope)
        if key is not None:
            scope = dict(scope, user=await user_for_token(key))
        return await super().__call__(scope, receive, send)
