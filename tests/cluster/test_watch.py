"""watch(): plain events, resuming after dropped connections, relisting after 410 Gone.

The consumer pulls events one at a time from the test's own thread (through `pull`, which
adds a timeout). While the test is not pulling, the watch is not reading either, so "the
connection drops, then the object changes, then the watch reconnects" happens in exactly
that order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

from deployments.cluster import ClusterClient, WatchEvent
from deployments.cluster.watching import ResourceWatch
from tests.cluster.conftest import config_map

PULL_TIMEOUT = 15.0


class Puller:
    """next() on a watch with a timeout, so a broken watch fails the test instead of hanging."""

    def __init__(self, events: Iterator[WatchEvent], stop: threading.Event) -> None:
        self.events = events
        self.stop = stop
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: Future[WatchEvent] | None = None

    def start_connected(self, watch: ResourceWatch) -> None:
        """Start pulling and wait until the watch has its connection open."""
        self.pending = self.pool.submit(next, self.events)
        deadline = time.monotonic() + PULL_TIMEOUT
        while watch.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watch.connections == 1
        time.sleep(0.2)  # the request is sent; give the server a moment to register it

    def __call__(self, timeout: float = PULL_TIMEOUT) -> WatchEvent:
        future, self.pending = self.pending or self.pool.submit(next, self.events), None
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            self.stop.set()
            pytest.fail(f"no watch event within {timeout}s")

    def until(self, predicate, timeout: float = PULL_TIMEOUT) -> list[WatchEvent]:
        """Events up to and including the first one matching predicate."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            event = self(max(0.1, deadline - time.monotonic()))
            seen.append(event)
            if predicate(event):
                return seen

    def close(self) -> None:
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def summary(events: list[WatchEvent]) -> list[tuple[str, str, str | None]]:
    return [
        (event.type, event.object["metadata"]["name"], (event.object.get("data") or {}).get("key"))
        for event in events
    ]


def named(name: str, event_type: str):
    return lambda event: event.type == event_type and event.object["metadata"]["name"] == name


def test_watch_sees_added_modified_deleted(
    cluster: ClusterClient, namespace: str, stop: threading.Event
) -> None:
    watch = cluster.watch("v1", "ConfigMap", namespace=namespace, label_selector="app=w", stop=stop)
    pull = Puller(watch, stop)
    cluster.apply(config_map("w", namespace, {"key": "1"}))
    assert summary(pull.until(named("w", "ADDED"))) == [("ADDED", "w", "1")]
    cluster.apply(config_map("w", namespace, {"key": "2"}))
    assert summary(pull.until(named("w", "MODIFIED"))) == [("MODIFIED", "w", "2")]
    cluster.delete("v1", "ConfigMap", "w", namespace)
    assert summary(pull.until(named("w", "DELETED")))[-1][:2] == ("DELETED", "w")
    pull.close()


def test_watch_starts_with_existing_objects(
    cluster: ClusterClient, namespace: str, stop: threading.Event
) -> None:
    cluster.apply(config_map("before", namespace))
    watch = cluster.watch(
        "v1", "ConfigMap", namespace=namespace, label_selector="app=before", stop=stop
    )
    pull = Puller(watch, stop)
    first = pull()
    assert (first.type, first.object["metadata"]["name"], first.synthetic) == (
        "ADDED",
        "before",
        False,
    )
    pull.close()


def test_watch_from_a_resource_version_skips_older_events(
    cluster: ClusterClient, namespace: str, stop: threading.Event
) -> None:
    cluster.apply(config_map("old", namespace))
    _, version = cluster.list_with_version("v1", "ConfigMap", namespace=namespace)
    watch = cluster.watch(
        "v1", "ConfigMap", namespace=namespace, resource_version=version, stop=stop
    )
    pull = Puller(watch, stop)
    cluster.apply(config_map("new", namespace))
    event = pull()
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "new")
    pull.close()


def test_stop_ends_a_quiet_watch_promptly(
    cluster: ClusterClient, namespace: str, stop: threading.Event
) -> None:
    watch = cluster.watch("v1", "Secret", namespace=namespace, label_selector="app=none", stop=stop)
    done = threading.Event()
    received: list[WatchEvent] = []

    def consume() -> None:
        received.extend(watch)
        done.set()

    threading.Thread(target=consume, daemon=True).start()
    time.sleep(0.5)  # let it connect and block on the quiet stream
    started = time.monotonic()
    stop.set()
    assert done.wait(5), "watch did not end after stop was set"
    assert time.monotonic() - started < 2
    assert received == []


def test_watch_resumes_after_dropped_connections_without_gaps_or_repeats(
    cluster: ClusterClient, namespace: str, stop: threading.Event, sandbox_cluster
) -> None:
    watch = cluster.watch("v1", "ConfigMap", namespace=namespace, label_selector="app=r", stop=stop)
    pull = Puller(watch, stop)
    pull.start_connected(watch)
    cluster.apply(config_map("r", namespace, {"key": "1"}))
    assert summary(pull.until(named("r", "ADDED"))) == [("ADDED", "r", "1")]
    connections = watch.connections  # the event came over this open connection

    sandbox_cluster.cut_connections()
    cluster.apply(config_map("r", namespace, {"key": "2"}))  # while nobody is listening
    cluster.apply(config_map("r", namespace, {"key": "3"}))
    events = pull.until(lambda e: (e.object.get("data") or {}).get("key") == "3")
    assert summary(events) == [("MODIFIED", "r", "2"), ("MODIFIED", "r", "3")]
    assert not any(event.synthetic for event in events)
    assert watch.connections > connections and watch.relists == 1

    sandbox_cluster.cut_connections()
    cluster.delete("v1", "ConfigMap", "r", namespace)
    assert summary(pull.until(named("r", "DELETED")))[0][:2] == ("DELETED", "r")
    pull.close()


def test_watch_relists_after_410_and_converges(
    cluster: ClusterClient, namespace: str, stop: threading.Event, sandbox_cluster
) -> None:
    watch = cluster.watch(
        "v1",
        "ConfigMap",
        namespace=namespace,
        label_selector="app in (keep,gone,new)",
        stop=stop,
    )
    pull = Puller(watch, stop)
    pull.start_connected(watch)
    cluster.apply(config_map("keep", namespace, {"key": "1"}))
    cluster.apply(config_map("gone", namespace, {"key": "1"}))
    view = {}
    for event in [pull(), pull()]:
        view[event.object["metadata"]["name"]] = event.object
    assert set(view) == {"keep", "gone"} and watch.connections == 1

    sandbox_cluster.cut_connections()
    cluster.apply(config_map("keep", namespace, {"key": "2"}))
    cluster.delete("v1", "ConfigMap", "gone", namespace)
    cluster.apply(config_map("new", namespace, {"key": "1"}))
    sandbox_cluster.compact()  # the watch's resourceVersion is now too old: 410 Gone

    events = [pull() for _ in range(3)]
    assert all(event.synthetic for event in events)
    assert sorted(summary(events)) == [
        ("ADDED", "new", "1"),
        ("DELETED", "gone", "1"),
        ("MODIFIED", "keep", "2"),
    ]
    for event in events:
        name = event.object["metadata"]["name"]
        if event.type == "DELETED":
            view.pop(name)
        else:
            view[name] = event.object
    live = cluster.list(
        "v1", "ConfigMap", namespace=namespace, label_selector="app in (keep,gone,new)"
    )
    assert {n: o["metadata"]["resourceVersion"] for n, o in view.items()} == {
        o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in live
    }
    assert watch.relists == 2

    cluster.apply(config_map("new", namespace, {"key": "2"}))  # and it keeps watching
    event = pull()
    assert summary([event]) == [("MODIFIED", "new", "2")] and not event.synthetic
    pull.close()
