"""Emit events: written to the Event table and published on the channel layer, after commit.

Subscribers get the event id so a reconnecting client replays exactly what it missed from the
table; the channel layer is only a wake-up signal and is allowed to lose messages.
"""

import logging
from typing import Any

from django.db import transaction

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
    transaction.on_commit(lambda: _write_and_publish(team_id, topic, type, payload))


def _write_and_publish(team_id: int, topic: str, type: str, payload: dict[str, Any]) -> None:
    event = Event.objects.create(team_id=team_id, topic=topic, type=type, payload=payload)
    try:
        # One message per group and per process that follows it (deployments.fanout), not per
        # subscriber; the group in the message tells the process whom to wake.
        publisher.group_send((group, wake_message(event.pk, topic, group))
                             for group in (topic_group(topic), team_group(team_id)))
    except Exception:  # the table is the source of truth; subscribers catch up by id
        log.warning("could not publish event %s on the channel layer", event.pk, exc_info=True)


def serialize(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "topic": event.topic,
        "type": event.type,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }
