"""One watch group per (cluster, namespace): a thread per resource type KubeOrch renders, plus
Pods and Endpoints, shared by every watched workflow in that namespace."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kubernetes.client import rest

from deployments.cluster import ClusterClient, ClusterError, ConnectionSpec, WatchEvent, connect
from deployments.engine.prune import MANAGED_KINDS
from workflows.kinds.meta import MANAGED_BY, MANAGED_BY_LABEL

log = logging.getLogger(__name__)

MANAGED_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY}"
# Pods change a workload's health; Endpoints a Service's. Endpoints carry no labels KubeOrch
# sets, so they are watched unfiltered and matched to Services by name.
WATCHED_KINDS: list[tuple[str, str]] = [*MANAGED_KINDS, ("v1", "Pod"), ("v1", "Endpoints")]
UNLABELLED_KINDS = frozenset({"Endpoints"})

GroupKey = tuple[int, str]  # (cluster id, namespace)
EventSink = Callable[[GroupKey, WatchEvent], None]
ClientFactory = Callable[[], ClusterClient]
SpecFactory = Callable[[], ConnectionSpec]

# Back-off after a watch gave up (it already retried its own reconnects), capped.
RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 60.0)


class ResourceWatcher(threading.Thread):
    """Feeds one resource type's events to the hub until stopped. List, then watch from the
    list's version (an informer): the watch misses nothing after the list, and `listed` tells
    the hub to check every node of the group for what changed before it (or while this
    watcher was down, since each restart lists again)."""

    def __init__(
        self,
        key: GroupKey,
        api_version: str,
        kind: str,
        client: ClientFactory,
        sink: EventSink,
        listed: Callable[[GroupKey], None],
    ):
        super().__init__(daemon=True, name=f"watch-{key[0]}-{key[1]}-{kind}")
        self.key, self.api_version, self.kind = key, api_version, kind
        self.client, self.sink, self.listed = client, sink, listed
        self.halt = threading.Event()
        self.lists = 0

    def run(self) -> None:
        failures = 0
        while not self.halt.is_set():
            try:
                failures = 0 if self._watch_once() else failures + 1
            except ClusterError as exc:
                failures += 1
                log.info("watch %s in %s failed: %s", self.kind, self.key, exc.message)
            except Exception:
                failures += 1
                log.exception("watch %s in %s crashed", self.kind, self.key)
            self.halt.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1] if failures else 0)

    def _watch_once(self) -> bool:
        """List, then watch until stopped or failed. True if it got as far as watching."""
        client = self.client()
        selector = None if self.kind in UNLABELLED_KINDS else MANAGED_SELECTOR
        items, version = client.list_with_version(
            self.api_version, self.kind, namespace=self.key[1], label_selector=selector
        )
        watch = client.watch(
            self.api_version,
            self.kind,
            namespace=self.key[1],
            label_selector=selector,
            resource_version=version,
            stop=self.halt,
        )
        # Seeded with the list, a relist after 410 Gone reports deletions too.
        watch.known = {_object_key(item): item for item in items}
        self.lists += 1
        self.listed(self.key)
        try:
            for event in watch:
                self.sink(self.key, event)
        finally:
            watch.close()
        return True

    def stop(self) -> None:
        self.halt.set()


def _object_key(obj: dict) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")


class GroupClient:
    """The group's own cluster client. Each watch holds a connection for as long as it runs:
    on the shared client (`client_for`) 14 of them would fill its connection pool (cpu x 5)
    that runs and API requests need. Rebuilt when the cluster's connection settings change;
    the old one is closed, which ends the watches using it and they restart on the new one."""

    def __init__(self, spec_for: SpecFactory, pool_size: int):
        self.spec_for, self.pool_size = spec_for, pool_size
        self._lock = threading.Lock()
        self._spec: ConnectionSpec | None = None
        self._client: ClusterClient | None = None

    def __call__(self) -> ClusterClient:
        spec = self.spec_for()
        with self._lock:
            if self._client is None or spec != self._spec:
                old, self._client, self._spec = self._client, self._connect(spec), spec
                if old is not None:
                    old.close()
            return self._client

    def _connect(self, spec: ConnectionSpec) -> ClusterClient:
        client = connect(spec)
        # Nothing was sent yet, so the default-sized pool can be swapped for a bigger one.
        configuration = client.api_client.configuration
        configuration.connection_pool_maxsize = self.pool_size
        client.api_client.rest_client.pool_manager.clear()
        client.api_client.rest_client = rest.RESTClientObject(configuration)
        return client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None


class WatchGroup:
    def __init__(
        self,
        key: GroupKey,
        spec_for: SpecFactory,
        sink: EventSink,
        listed: Callable[[GroupKey], None],
    ):
        self.key = key
        self.client = GroupClient(spec_for, pool_size=len(WATCHED_KINDS) + 4)
        self.watchers = [
            ResourceWatcher(key, api_version, kind, self.client, sink, listed)
            for api_version, kind in WATCHED_KINDS
        ]

    def start(self) -> None:
        for watcher in self.watchers:
            watcher.start()

    def stop(self) -> None:
        """Signal every watcher; their streams are shut down at once (see StreamInterrupter)."""
        for watcher in self.watchers:
            watcher.stop()

    def join(self, timeout: float = 10.0) -> None:
        for watcher in self.watchers:
            watcher.join(timeout)
        self.client.close()

    @property
    def synced(self) -> bool:
        """Every watcher has listed at least once (its watch is open or opening)."""
        return all(watcher.lists for watcher in self.watchers)
