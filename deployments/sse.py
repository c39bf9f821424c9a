"""Server-sent event streams of the Event table.

The table is the source of truth and the channel layer only wakes the stream up: a client that
reconnects with Last-Event-ID gets every event after it from the table, in id order, exactly
once, whatever the channel layer dropped.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q

from deployments.events import serialize
from deployments.models import Event

BATCH = 500


def heartbeat_seconds() -> float:
    return float(getattr(settings, "KUBEORCH_SSE_HEARTBEAT_SECONDS", 15))


def format_event(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


@sync_to_async
def latest_event_id() -> int:
    close_old_connections()
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


@sync_to_async
def events_after(scope: Q, last_id: int) -> list[dict[str, Any]]:
    close_old_connections()
    rows = Event.objects.filter(scope, id__gt=last_id).order_by("id")[:BATCH]
    return [serialize(e) for e in rows]


async def start_cursor(last_id: int | None) -> int:
    """Where a stream starts: after Last-Event-ID, or now. Fixed when the request arrives, not
    when the body is first pulled, so events created in between are not skipped."""
    return await latest_event_id() if last_id is None else last_id


async def stream(scope: Q, groups: list[str], cursor: int) -> AsyncIterator[str]:
    """Replay after `cursor`, then follow; a comment line every heartbeat."""
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, channel)
    try:
        yield ": connected\n\n"
        while True:
            events = await events_after(scope, cursor)
            for event in events:
                yield format_event(event)
                cursor = event["id"]
            if len(events) == BATCH:
                continue
            try:
                await asyncio.wait_for(layer.receive(channel), timeout=heartbeat_seconds())
            except TimeoutError:
                yield ": keepalive\n\n"
    finally:
        for group in groups:
            await layer.group_discard(group, channel)
        # The replay queries ran in asgiref's sync thread; do not leave its connection open.
        await sync_to_async(connections.close_all)()


def last_event_id(request: Any) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is not None and raw.strip().isdigit():
        return int(raw.strip())
    return None
