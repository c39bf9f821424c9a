"""Server-sent event streams of the Event table, a plain ASGI app (routed by kubeorch.asgi):
`GET /v1/api/workflows/{id}/events` (one workflow) and `GET /api/events` (every team of the
user). Authentication: `Authorization: Token <key>`, else the session cookie (kubeorch.stream_auth).

The table is the source of truth and the channel layer only wakes the process's feed up
(deployments.feeds): a client that reconnects with Last-Event-ID gets every event after it
from the table, in id order, exactly once, whatever the channel layer dropped.

Why not a Django view: a streaming response kept Django's request machinery alive for the
stream's whole life (a thread for the sync middleware, the request, a task group, a generator
step per event): about 250 objects per open stream that every full garbage collection walked
(pauses of 100-300 ms at 500 streams a process), and half the CPU an event cost. Here a stream
is authenticated and authorized in one database trip, joins its feed, and the feed writes each
event to the connection.
"""

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from deployments.feeds import (
    Batch,
    Listener,
    Scope,
    listen,
    newest_event_id,
    pool_trip,
    teams_scope,
    topic_scope,
)
from kubeorch.stream_auth import header, stream_user
from workflows.models import Workflow
from workflows.permissions import scoped, visible_teams
from workflows.workflow_events import workflow_topic

log = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

WORKFLOW_EVENTS = re.compile(r"^/v1/api/workflows/(?P<workflow_pk>\d+)/events/?$")
ALL_EVENTS = re.compile(r"^/api/events/?$")

STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies must not buffer the stream
    (b"x-content-type-options", b"nosniff"),
]


def is_event_stream_path(path: str) -> bool:
    return bool(WORKFLOW_EVENTS.match(path) or ALL_EVENTS.match(path))


def last_event_id(scope: dict[str, Any]) -> int | None:
    """The resume point: the `Last-Event-ID` header (EventSource sends it when it reconnects),
    else `?last_event_id=`."""
    raw = header(scope, b"last-event-id")
    if raw is None:
        query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
        raw = (query.get("last_event_id") or [None])[0]
    if raw is not None and raw.strip().isdigit():
        return int(raw.strip())
    return None


@pool_trip
def _open(scope: dict[str, Any], workflow_pk: int | None) -> tuple[int, Scope | None, int]:
    """(HTTP status, what the stream may see, where it starts), in one database trip."""
    user = stream_user(scope, query_token=False)
    if user is None:
        return 401, None, 0
    if workflow_pk is not None:
        if not scoped(Workflow.objects.filter(pk=workflow_pk), user).exists():
            return 404, None, 0
        visible = topic_scope(workflow_topic(workflow_pk))
    else:
        visible = teams_scope(list(visible_teams(user).values_list("id", flat=True)))
    resume = last_event_id(scope)
    # Without a resume point a stream starts now, fixed before it joins its feed.
    return 200, visible, newest_event_id() if resume is None else resume

ERRORS = {
    401: ("not_authenticated", "Authentication credentials were not provided."),
    404: ("not_found", "not found"),
    405: ("method_not_allowed", "event streams answer GET only"),
}


async def _error(send: Send, status: int) -> None:
    code, message = ERRORS[status]
    headers = [(b"content-type", b"application/json")]
    if status == 405:
        headers.append((b"allow", b"GET"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body",
                "body": json.dumps({"code": code, "message": message}).encode()})


async def _stop_on_disconnect(receive: Receive, listener: Listener) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # the (empty) request body
    listener.stop()


async def event_streams(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """The ASGI app of both event-stream paths (see is_event_stream_path)."""
    if scope["method"] != "GET":
        await _error(send, 405)
        return
    match = WORKFLOW_EVENTS.match(scope["path"])
    status, visible, cursor = await _open(
        scope, int(match["workflow_pk"]) if match else None
    )
    if visible is None:
        await _error(send, status)
        return

    async def deliver(batch: Batch) -> None:
        await send({"type": "http.response.body", "body": batch.sse, "more_body": True})

    async def keepalive() -> None:
        await send({"type": "http.response.body", "body": b": keepalive\n\n",
                    "more_body": True})

    # Joined before the response starts: a client that saw `: connected` misses nothing.
    listener = await listen(visible, cursor, deliver, keepalive)
    watcher = asyncio.ensure_future(_stop_on_disconnect(receive, listener))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        await send({"type": "http.response.body", "body": b": connected\n\n",
                    "more_body": True})
        await listener.run()
    except Exception:  # the client reconnects with Last-Event-ID and misses nothing
        log.warning("event stream %s ended", visible.key, exc_info=True)
    finally:
        listener.leave()
        watcher.cancel()
    await send({"type": "http.response.body", "body": b""})
