"""Which workflows are watched, restarts, the single-owner lease and clean shutdown."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from deployments.clusters import client_for
from deployments.models import Run, WatcherLease
from deployments.watchers import current_hub
from deployments.watchers.group import WATCHED_KINDS
from deployments.watchers.refresh import refresh_nodes
from deployments.watchers.tasks import stop_watchers, sync_watchers
from tests.watchers.conftest import eventually, hub_threads, last_event_id, node_events
from tests.watchers.test_live_health import WEB, WEB_EDGES, deploy, health
from workflows.models import Workflow

pytestmark = pytest.mark.django_db(transaction=True)


def test_sync_after_a_restart_restores_the_watches(as_alice, make_hub, kube, wait_for_run):
    workflow = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    wid, ns = workflow["id"], workflow["namespace"]
    first = make_hub()
    assert first.sync()
    groups = set(first.groups)
    first.stop()  # the process goes away...
    assert first.threads() == [] and not first.watching

    # ...and meanwhile an operator deletes something: no watch sees it happen.
    assert kube.delete("v1", "ConfigMap", "web-config", ns)
    restarted = make_hub()  # a new process: nothing but the database to go on
    assert restarted.sync()
    assert set(restarted.groups) == groups and restarted.watch_count == len(WATCHED_KINDS)
    eventually(lambda: health(as_alice, wid, "cfg") == "missing", "the drift found on start")


def test_archived_workflows_and_active_runs_are_not_watched(
    as_alice, make_hub, engine, wait_for_run
):
    archived = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    rerun = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    hub = make_hub()
    assert hub.sync()
    assert set(hub.targets) == {archived["id"], rerun["id"]} and len(hub.groups) == 2

    archived_target = hub.targets[archived["id"]]
    assert as_alice.post(f"/v1/api/workflows/{archived['id']}/archive").status_code == 200
    client = client_for(Workflow.objects.get(pk=archived["id"]).cluster)
    assert refresh_nodes(client, archived_target, ["web", "cfg"]) == [], "torn down, not watched"
    hub.sync()
    assert set(hub.targets) == {rerun["id"]}
    assert set(hub.groups) == {(hub.targets[rerun["id"]].cluster_id, rerun["namespace"])}

    # A queued run (no worker picks it up here) hands the node states to the engine.
    old_target = hub.targets[rerun["id"]]
    workflow = Workflow.objects.get(pk=rerun["id"])
    queued = Run.objects.create(workflow=workflow, version=workflow.versions.get(number=1))
    hub.sync()
    assert hub.targets == {} and hub.groups == {} and hub.watch_count == 0
    client = client_for(workflow.cluster)
    assert refresh_nodes(client, old_target, ["web"]) == [], "never writes under the engine"

    queued.delete()
    hub.sync()
    assert set(hub.targets) == {rerun["id"]} and hub.watch_count == len(WATCHED_KINDS)


def test_only_the_lease_holder_watches_and_another_takes_over(
    as_alice, make_hub, kube, wait_for_run
):
    workflow = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    wid, ns = workflow["id"], workflow["namespace"]
    one, two = make_hub(), make_hub()
    assert one.sync() and not two.sync()
    assert one.watch_count == len(WATCHED_KINDS) and two.watch_count == 0

    # `one` stops renewing (its process hangs or dies): once the lease expires, `two` takes
    # over, and `one` stops watching at its next sync.
    WatcherLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert two.sync() and two.watch_count == len(WATCHED_KINDS)
    assert not one.sync()
    assert one.watch_count == 0 and one.threads() == []
    assert WatcherLease.objects.get().owner == two.owner

    before = last_event_id()
    assert kube.delete("v1", "ConfigMap", "web-config", ns)
    eventually(
        lambda: health(as_alice, wid, "cfg") == "missing",
        "the new owner at work",
        describe=lambda: (
            as_alice.get(f"/v1/api/workflows/{wid}/status").json()["nodes"]["cfg"],
            dict(two.refreshed),
            two.threads(),
        ),
    )
    events = eventually(lambda: node_events(wid, "cfg", before), "node.status_changed")
    assert [e["health"] for e in events] == ["missing"], "one owner, one event"


def test_a_standby_hub_takes_over_when_the_owner_stops(as_alice, make_hub, engine, wait_for_run):
    deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    owner, standby = make_hub(), make_hub()
    owner.start()
    eventually(lambda: owner.watching, "the owner watching")
    standby.start()
    assert not standby.sync() and not standby.watching
    owner.stop()  # releases the lease
    eventually(lambda: standby.watching, "the standby taking over")
    assert standby.watch_count == len(WATCHED_KINDS)


def test_stop_joins_every_thread(as_alice, make_hub, engine, wait_for_run):
    deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    before = hub_threads()
    hub = make_hub()
    hub.start()
    eventually(lambda: hub.watch_count and len(hub.threads()) == 2 + hub.watch_count, "running")
    hub.stop()
    assert hub.threads() == [] and hub.groups == {}
    eventually(lambda: hub_threads() <= before, "no thread left behind", timeout=5)
    assert WatcherLease.objects.get().owner == "", "the lease is handed over"


def test_the_beat_task_starts_and_the_worker_shutdown_stops_the_process_hub(
    as_alice, engine, wait_for_run, fast_watchers, settings, monkeypatch: Any
):
    from deployments import watchers
    from kubeorch.celery import app

    app.loader.import_default_modules()
    assert "deployments.sync_watchers" in app.tasks
    monkeypatch.setattr(watchers, "_hub", None)
    settings.KUBEORCH_WATCHERS_ENABLED = False
    assert sync_watchers() is False and current_hub() is None

    deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    settings.KUBEORCH_WATCHERS_ENABLED = True
    assert sync_watchers() is True
    hub = current_hub()
    assert hub is not None and hub.watch_count == len(WATCHED_KINDS)
    stop_watchers()
    assert hub.threads() == [] and not hub.watching
