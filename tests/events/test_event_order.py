"""Event ids commit in id order, so a stream that read (or resumed after) an id never skips a
lower one that committed later."""

import threading

import pytest
from django.db import connections, transaction

from deployments import events
from deployments.models import Event
from workflows.actions.workflows import create_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def test_event_ids_increase_in_emit_order(alice, team):
    workflow = create_workflow(alice, team=team, name="w")
    for i in range(20):
        events.emit(team.pk, f"workflow:{workflow.pk}", "t", {"i": i})
    rows = list(Event.objects.filter(topic=f"workflow:{workflow.pk}", type="t").order_by("id"))
    assert [r.payload["i"] for r in rows] == list(range(20))


def test_a_later_event_cannot_commit_before_an_earlier_one(alice, team):
    topic = f"workflow:{create_workflow(alice, team=team, name='ordered').pk}"
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        # The write of an event whose transaction is still open (a slow commit).
        try:
            with transaction.atomic():
                events._write_and_publish(team.pk, [(topic, "t", {"n": 1})])
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second_writer() -> None:
        try:
            events.emit(team.pk, topic, "t", {"n": 2})
        finally:
            connections.close_all()

    first = threading.Thread(target=slow_writer)
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=second_writer)
    second.start()
    second.join(1.0)
    try:
        visible = [e.payload["n"] for e in Event.objects.filter(topic=topic)]
        assert visible == [], "a reader must not see event 2 while event 1 can still commit"
        assert second.is_alive(), "the second writer waits for the first to commit"
    finally:
        release.set()
        first.join(10)
        second.join(10)
    assert [e.payload["n"] for e in Event.objects.filter(topic=topic).order_by("pk")] == [1, 2]
