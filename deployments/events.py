"""Emit events: written to the Event table and published on the channel layer, after commit.

Subscribers get the event id so a reconnecting client replays exactly what it missed from the
table; the channel layer is only a wake-up signal and is allowed to lose messages.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from deployments import publisher
from deployments.fanout import wake_message
from deployments.models import Event

log = logging.getLogger(__name__)


def topic_group(topic: str) -> str:
    return "events." + topic.replace(":", ".")


def team_group(team_id: int) -> str:
    return f"events.team.{team_id}"


def emit(team_id: int, topic: str, type: str, payload: dict[str, Any]) -> None:
    """Record and publish an event once the surrounding transaction commits (never if it rolls
    back, so no client ever sees a change that did not happen)."""
    emit_many(team_id, [(topic, type, payload)])


def emit_many(team_id: int, events: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
    """Several (topic, type, payload) events of one change, in this order: written in one
    INSERT and announced with one wake-up per group (the highest id; subscribers read every
    event after their cursor from the table, so they get all of them)."""
    batch = list(events)
    if batch:
        transaction.on_commit(lambda: _write_and_publish(team_id, batch))


# Any constant: the one PostgreSQL advisory lock that orders event writes.
EVENT_ORDER_LOCK = 0x6B6F6576


def _write(team_id: int, batch: list[tuple[str, str, dict[str, Any]]]) -> list[Event]:
    """Insert the events so that id order is commit order. A sequence hands out ids at INSERT
    but rows appear at COMMIT: two writers could commit ids 101 then 100, and a stream that had
    read 101 (or resumed with Last-Event-ID 101) would never send 100. The advisory lock, held
    until commit, lets one writer at a time allocate and commit; SQLite serializes writers
    itself."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])
        return Event.objects.bulk_create(
            Event(team_id=team_id, topic=topic, type=type, payload=payload)
            for topic, type, payload in batch
        )


def _write_and_publish(team_id: int, batch: list[tuple[str, str, dict[str, Any]]]) -> None:
    written = _write(team_id, batch)
    # One message per group and per process that follows it (deployments.fanout), not per
    # subscriber; the group in the message tells the process whom to wake.
    wake: dict[str, tuple[int, str]] = {}
    for event in written:
        for group in (topic_group(event.topic), team_group(team_id)):
            wake[group] = (event.pk, event.topic)
    try:
        publisher.group_send((group, wake_message(event_id, topic, group))
                             for group, (event_id, topic) in wake.items())
    except Exception:  # the table is the source of truth; subscribers catch up by id
        log.warning("could not publish events %s on the channel layer",
                    [event.pk for event in written], exc_info=True)


def serialize(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "topic": event.topic,
        "type": event.type,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }
