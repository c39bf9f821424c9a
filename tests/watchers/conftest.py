"""Watch hubs for tests: fast timings, and every hub stopped (threads joined) at teardown."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deployments.cluster import ClusterClient, ConnectionSpec, connect
from deployments.models import Event
from deployments.watchers import WatchHub


@pytest.fixture
def fast_watchers(settings: Any) -> None:
    settings.KUBEORCH_WATCH_DEBOUNCE_SECONDS = 0.1
    settings.KUBEORCH_WATCH_SYNC_SECONDS = 0.3


@pytest.fixture
def make_hub(transactional_db: Any, fast_watchers: None) -> Iterator[Callable[..., WatchHub]]:
    """New hubs (each its own lease owner, like separate processes); stopped after the test,
    before the database is flushed."""
    hubs: list[WatchHub] = []

    def make(lease_seconds: float = 30) -> WatchHub:
        hub = WatchHub(f"test-{uuid.uuid4().hex[:8]}", lease_seconds=lease_seconds)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop()


@pytest.fixture
def kube(engine: Any) -> Iterator[ClusterClient]:
    """The sandbox, reached like an operator with kubectl would (not through KubeOrch)."""
    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    yield client
    client.close()


def eventually(
    check: Callable[[], Any],
    what: str,
    timeout: float = 30,
    describe: Callable[[], Any] | None = None,
) -> Any:
    """Poll until check() is truthy; fail with `what` (and describe()) after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}: {describe() if describe else ''}")
        time.sleep(0.05)


def node_events(workflow_id: int, node_id: str, after: int = 0) -> list[dict]:
    return [
        e.payload
        for e in Event.objects.filter(
            topic=f"workflow:{workflow_id}", type="node.status_changed", pk__gt=after
        ).order_by("pk")
        if e.payload.get("node_id") == node_id
    ]


def last_event_id() -> int:
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def hub_threads() -> set[threading.Thread]:
    prefixes = ("watch-", "kubeorch-stream-stop")
    return {t for t in threading.enumerate() if t.name.startswith(prefixes)}
