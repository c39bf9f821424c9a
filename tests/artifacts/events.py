"""Read an artifact's events back through GET /api/events (replayed from the table)."""

import asyncio
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.db import connections
from rest_framework.authtoken.models import Token

from tests.events.sse_client import SSEClient


def is_status(status: str) -> Callable[[dict], bool]:
    return lambda e: e["type"] == "artifact.status_changed" and e["payload"]["status"] == status


def artifact_events(user: Any, artifact_id: int, until: Callable[[dict], bool],
                    timeout: float = 20) -> list[dict]:
    """Every event of `artifact:<id>` on the user's global stream, from the start, until one
    matching `until` arrives."""
    token = Token.objects.get_or_create(user=user)[0].key
    return async_to_sync(_collect)(token, f"artifact:{artifact_id}", until, timeout)


async def _collect(token: str, topic: str, until: Callable[[dict], bool],
                   timeout: float) -> list[dict]:
    client = SSEClient("/api/events", token, last_event_id=0)
    assert await client.connect() == 200
    found: list[dict] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            event = await client.next_event(timeout=max(0.1, deadline - loop.time()))
            if event["topic"] == topic:
                found.append(event)
                if until(event):
                    return found
    finally:
        await client.close()
        await sync_to_async(connections.close_all)()


def statuses(events: list[dict]) -> list[str]:
    return [e["payload"]["status"] for e in events if e["type"] == "artifact.status_changed"]
