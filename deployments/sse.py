"""Server-sent event streams of the Event table.

The table is the source of truth and the channel layer only wakes the stream up: a client that
reconnects with Last-Event-ID gets every event after it from the table, in id order, exactly
once, whatever the channel layer dropped.
"""

import asyncio
import json
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q

from deployments.events import serialize
from deployments.fanout import subscribe
from deployments.models import Event

BATCH = 500


def heartbeat_seconds() -> float:
    return float(getattr(settings, "KUBEORCH_SSE_HEARTBEAT_SECONDS", 15))


@dataclass(frozen=True, slots=True)
class Encoded:
    """An event encoded once per read, for every subscriber that shares the read: `data` is
    the WebSocket message and the SSE `data:`, `frame` the whole SSE event. Encoding it per
    subscriber cost 1,000 json.dumps per event at 1,000 subscribers."""

    id: int
    type: str
    data: str
    frame: str


def encode(event: dict[str, Any]) -> Encoded:
    data = json.dumps(event)
    frame = f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"
    return Encoded(event["id"], event["type"], data, frame)


def format_event(event: dict[str, Any]) -> str:
    return encode(event).frame


@sync_to_async
def latest_event_id() -> int:
    close_old_connections()
    try:
        return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    finally:
        # A stream lives for hours: do not hold this request's connection (CONN_MAX_AGE=0)
        # while it follows, or 1,000 open streams exhaust PostgreSQL's max_connections.
        connections.close_all()


def _query_events_after(scope: Q, last_id: int) -> list[Encoded]:
    try:
        rows = Event.objects.filter(scope, id__gt=last_id).order_by("id")[:BATCH]
        return [encode(serialize(e)) for e in rows]
    finally:
        connections.close_all()  # this pool thread's own connection; one per query


_query_in_pool = sync_to_async(_query_events_after, thread_sensitive=False)

# The queries in flight per event loop, shared by every stream of this process asking the same
# question: (scope, last_id) -> (when the query started, its result). 1,000 subscribers of a
# topic woken by one event run a handful of queries instead of 1,000.
_Query = tuple[float, "asyncio.Future[list[Encoded]]"]
_in_flight: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, _Query]]" = (
    weakref.WeakKeyDictionary()
)


async def _shared_query(scope: Q, last_id: int, started_after: float | None) -> list[Encoded]:
    """The result of a query for (scope, last_id) started at `started_after` or later (any
    query in flight when None): joins one in flight, else starts one.

    At most one query per question is in flight: a caller that needs a fresher read than the
    one in flight waits for it to end and then starts (or joins) the next, which every such
    caller shares. Starting one per caller instead queued 1,000 queries (one per stream that
    connected) in the thread pool, ahead of the reads the events waited for."""
    queries = _in_flight.setdefault(asyncio.get_running_loop(), {})
    key = (str(scope), last_id)
    while True:
        query = queries.get(key)
        if query is None:
            query = (time.monotonic(), asyncio.ensure_future(_query_in_pool(scope, last_id)))
            queries[key] = query

            def forget(_: object, key: Any = key, query: _Query = query) -> None:
                if queries.get(key) is query:
                    del queries[key]

            # Registered first, so it has run when a caller waiting below wakes up.
            query[1].add_done_callback(forget)
        if started_after is None or query[0] >= started_after:
            # shield: a subscriber that disconnects must not cancel the query others wait for.
            return await asyncio.shield(query[1])
        await asyncio.wait([query[1]])  # too old for us: the next one starts when it ends


async def events_after(
    scope: Q, last_id: int, *, woken_by: int | None = None, started_after: float | None = None
) -> list[Encoded]:
    """Events in `scope` after `last_id` in id order (at most BATCH), read by a query shared
    with the other streams of this process (and encoded once for all of them).

    `started_after` (a time.monotonic()) asks for a query started then or later: a stream that
    just joined its groups must not reuse an older read. `woken_by` is the id of the event
    whose wake-up the caller received: a shared read that does not reach it started before that
    event committed, so it is read again by a query started after the wake-up. Either way the
    caller sees what a query of its own, run now, would return."""
    called = time.monotonic()
    events = await _shared_query(scope, last_id, started_after)
    stale = not events or events[-1].id < (woken_by or 0)
    if woken_by is not None and woken_by > last_id and len(events) < BATCH and stale:
        events = await _shared_query(scope, last_id, called)
    return events


async def start_cursor(last_id: int | None) -> int:
    """Where a stream starts: after Last-Event-ID, or now. Fixed when the request arrives, not
    when the body is first pulled, so events created in between are not skipped."""
    return await latest_event_id() if last_id is None else last_id


async def stream(scope: Q, groups: list[str], cursor: int) -> AsyncIterator[str]:
    """Replay after `cursor`, then follow; a comment line every heartbeat."""
    # Woken by the process's fan-out (deployments.fanout), not by a channel of its own.
    subscription = await subscribe(groups)
    woken_by: int | None = None
    started_after: float | None = time.monotonic()  # the first read follows the join
    try:
        yield ": connected\n\n"
        while True:
            events = await events_after(
                scope, cursor, woken_by=woken_by, started_after=started_after
            )
            started_after = None
            if events:
                # One chunk per read: one ASGI send (and socket write) for a burst.
                yield "".join(event.frame for event in events)
                cursor = events[-1].id
            if len(events) == BATCH:
                continue
            while True:  # until a wake-up about an event not sent yet, or a heartbeat
                try:
                    woken_by = await subscription.wait(heartbeat_seconds())
                except TimeoutError:
                    yield ": keepalive\n\n"
                    woken_by = None  # re-read anyway: catches what the layer dropped
                    break
                if woken_by is None or woken_by > cursor:
                    break
    finally:
        await subscription.close()
        # The replay queries ran in asgiref's sync thread; do not leave its connection open.
        await sync_to_async(connections.close_all)()


def last_event_id(request: Any) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is not None and raw.strip().isdigit():
        return int(raw.strip())
    return None
