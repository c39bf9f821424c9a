"""Publishing wake-ups from synchronous code (a worker's run, a view) keeps its Redis
connections: each process publishes on one long-lived loop, not a new loop (and connection) per
event."""

import os

import pytest
import redis
from django.db import transaction

from deployments.events import emit
from deployments.models import Event
from workflows.actions.workflows import create_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def connections_accepted(client: redis.Redis) -> int:
    return int(client.info("stats")["total_connections_received"])


def test_emitting_many_events_opens_no_connection_per_event(alice, team):
    workflow = create_workflow(alice, team=team, name="publisher")
    topic = f"workflow:{workflow.pk}"
    emit(team.pk, topic, "test.warmup", {})  # the process's publishing loop connects once
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    before = connections_accepted(client)
    for n in range(30):
        with transaction.atomic():
            emit(team.pk, topic, "test.event", {"n": n})
    opened = connections_accepted(client) - before
    assert opened <= 1, f"{opened} Redis connections opened for 30 events"
    sent = Event.objects.filter(topic=topic, type="test.event").order_by("pk")
    assert [e.payload["n"] for e in sent] == list(range(30))
