"""What the run recorder emits: a step's log lines and node changes are written together and
announced in their order, with one wake-up per group; an unchanged node state emits nothing."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from deployments.engine.recorder import Log, Node, RunRecorder
from deployments.events import topic_group
from deployments.fanout import get_hub
from deployments.models import Event, NodeState, Run, RunLog
from workflows.actions import versions
from workflows.actions.workflows import create_workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def make_run(alice, team) -> Run:
    workflow = create_workflow(alice, team=team, name="recorded")
    return Run.objects.create(workflow=workflow, version=versions.create_version(alice, workflow))


@sync_to_async
def events_of(run: Run) -> list[tuple[str, dict]]:
    return [(e.type, e.payload) for e in Event.objects.filter(
        topic=f"workflow:{run.workflow_id}", type__in=["run.log", "node.status_changed"]
    ).order_by("pk")]


async def test_a_step_is_written_and_announced_together_in_order(alice, team):
    run = await make_run(alice, team)
    hub = get_hub()
    sub = await hub.subscribe([topic_group(f"workflow:{run.workflow_id}")])
    recorder = await sync_to_async(RunRecorder)(run)
    before = hub.messages
    await sync_to_async(recorder.write)([
        Log("Deployment ns/web created", node_id="web"),
        Node("web", "deployment", "progressing", "applied (created)"),
        Node("cfg", "configmap", "healthy", "exists"),
    ])
    woken = await sub.wait(5)
    await asyncio.sleep(0.2)  # a second wake-up for the same batch would have arrived by now
    assert hub.messages - before == 1

    emitted = await events_of(run)
    assert [(t, p.get("node_id"), p.get("health") or p.get("message")) for t, p in emitted] == [
        ("run.log", "web", "Deployment ns/web created"),
        ("node.status_changed", "web", "progressing"),
        ("node.status_changed", "cfg", "healthy"),
    ]
    assert all(p["run_id"] == run.pk for _, p in emitted)
    last = await sync_to_async(lambda: Event.objects.order_by("-pk").first().pk)()
    assert woken == last, "the wake-up names the batch's last event"

    # Unchanged states are not written again; a changed one is, alone.
    written = await sync_to_async(recorder.write)([
        Node("web", "deployment", "progressing", "applied (created)"),
        Node("cfg", "configmap", "healthy", "exists"),
        Node("web", "deployment", "healthy", "1/1 ready"),
    ])
    assert [(e.node_id, e.health) for e in written] == [("web", "healthy")]
    assert len(await events_of(run)) == 4
    states = await sync_to_async(lambda: dict(
        NodeState.objects.filter(run=run).values_list("node_id", "health")))()
    assert states == {"web": "healthy", "cfg": "healthy"}
    logs = await sync_to_async(lambda: list(
        RunLog.objects.filter(run=run).values_list("seq", "node_id")))()
    assert logs == [(1, "web")]
    await sub.close()
    await sync_to_async(connections.close_all)()
