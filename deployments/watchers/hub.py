"""The watch hub: keeps node health live after runs finish.

Per (cluster, namespace) it runs one watch per resource type (not per node), maps each event to
the (workflow, node) it concerns, coalesces bursts, recomputes those nodes with the engine's own
observe code and records changes on the workflow's latest run (NodeState + node.status_changed).

Everything it does is derived from the database by `sync()`, so a restarted process rebuilds it
all; a lease row makes sure only one process watches at a time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections

from deployments.cluster import ClusterClient, ClusterError, ConnectionSpec, WatchEvent
from deployments.clusters import client_for, connection_spec
from deployments.watchers.debounce import Debouncer
from deployments.watchers.group import GroupKey, WatchGroup
from deployments.watchers.lease import Lease
from deployments.watchers.refresh import refresh_nodes
from deployments.watchers.targets import Target, load_targets
from workflows.models import Cluster

log = logging.getLogger(__name__)

NodeKey = tuple[int, str]  # (workflow id, node id)
# Kinds whose health reads other objects: an event on the key kind may change the value's.
DEPENDENTS = {"Service": "Ingress"}


def setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class WatchHub:
    def __init__(self, owner: str | None = None, *, lease_seconds: float | None = None) -> None:
        self.owner = owner or default_owner()
        self.lease = Lease(self.owner, lease_seconds or setting("KUBEORCH_WATCH_LEASE_SECONDS", 30))
        self.targets: dict[int, Target] = {}
        self.groups: dict[GroupKey, WatchGroup] = {}
        self._by_group: dict[GroupKey, list[Target]] = {}
        # Cluster rows as of the last sync: watch threads build clients without the database.
        self._clusters: dict[int, Cluster] = {}
        self._debouncer: Debouncer[NodeKey] | None = None
        self._lock = threading.RLock()
        self._keeper: threading.Thread | None = None
        self._halt = threading.Event()
        self._poke = threading.Event()
        # How often each node was recomputed (observability; tests wait on it).
        self.refreshed: Counter[NodeKey] = Counter()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Run `sync()` periodically on a thread of its own (idempotent)."""
        with self._lock:
            if self._keeper is not None and self._keeper.is_alive():
                return
            self._halt.clear()
            self._keeper = threading.Thread(target=self._keep, name="watch-hub", daemon=True)
            self._keeper.start()

    def poke(self) -> None:
        """Ask the keeper to sync now (e.g. a run just finished in this process)."""
        self._poke.set()

    def stop(self) -> None:
        """Stop syncing and watching, join every thread, and hand the lease over."""
        self._halt.set()
        self._poke.set()
        keeper = self._keeper
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join(30)
        with self._lock:
            self._stop_watching()
            self.lease.release()

    @property
    def watching(self) -> bool:
        return bool(self.groups)

    @property
    def watch_count(self) -> int:
        """Open resource watches (threads), over all groups."""
        return sum(len(group.watchers) for group in self.groups.values())

    def threads(self) -> list[threading.Thread]:
        """Every thread the hub started that is still alive (for shutdown checks)."""
        found: list[threading.Thread | None] = [self._keeper]
        found.append(self._debouncer.thread if self._debouncer else None)
        found += [w for group in self.groups.values() for w in group.watchers]
        return [t for t in found if t is not None and t.is_alive()]

    # --- reconcile ------------------------------------------------------------------------

    def sync(self) -> bool:
        """Match the watch groups to the database. True if this hub holds the lease."""
        with self._lock:
            if self._halt.is_set():
                return False  # stopped: a late beat task must not resurrect it (start() does)
            if not self.lease.acquire():
                self._stop_watching()
                return False
            try:
                targets = load_targets(self.targets)
                self._clusters = Cluster.objects.in_bulk({t.cluster_id for t in targets.values()})
            except DatabaseError:
                log.warning(
                    "watchers: cannot read what to watch; keeping the watches", exc_info=True
                )
                return True
            self._apply(targets)
            return True

    def _apply(self, targets: dict[int, Target]) -> None:
        changed = [t for wid, t in targets.items() if self.targets.get(wid) is not t]
        by_group: dict[GroupKey, list[Target]] = defaultdict(list)
        for target in targets.values():
            for namespace in sorted(target.namespaces):
                by_group[(target.cluster_id, namespace)].append(target)
        # Swap whole dicts: watch threads read them without the lock.
        self.targets, self._by_group = targets, dict(by_group)
        for key in [k for k in self.groups if k not in by_group]:
            self._stop_groups([self.groups.pop(key)])
        debouncer = self._ensure_debouncer()
        for key in by_group:
            if key not in self.groups:
                self.groups[key] = WatchGroup(
                    key, self._spec_factory(key[0]), self._on_event, self._on_listed
                )
                self.groups[key].start()
        # New or re-run workflows are checked in full (new groups also do so once listed).
        debouncer.mark((t.workflow_id, node_id) for t in changed for node_id in t.objects)

    def _ensure_debouncer(self) -> Debouncer[NodeKey]:
        if self._debouncer is None:
            self._debouncer = Debouncer(
                setting("KUBEORCH_WATCH_DEBOUNCE_SECONDS", 0.25),
                self._flush,
                "watch-refresh",
                on_exit=connections.close_all,  # its DB connection belongs to its thread
            )
            self._debouncer.start()
        return self._debouncer

    def _stop_watching(self) -> None:
        if self.groups:
            log.info("watchers: %s stops %d watch group(s)", self.owner, len(self.groups))
        self._stop_groups(list(self.groups.values()))
        self.groups.clear()
        self.targets, self._by_group = {}, {}
        if self._debouncer is not None:
            self._debouncer.stop()
            self._debouncer = None

    @staticmethod
    def _stop_groups(groups: list[WatchGroup]) -> None:
        for group in groups:  # signal all first, so they wind down in parallel
            group.stop()
        for group in groups:
            group.join()

    # --- events -> nodes --------------------------------------------------------------------

    def _on_event(self, key: GroupKey, event: WatchEvent) -> None:
        debouncer = self._debouncer
        if debouncer is None:
            return
        nodes = self.nodes_for(key, event.object)
        if nodes:
            debouncer.mark(nodes)

    def _on_listed(self, key: GroupKey) -> None:
        """A watch (re)started from a fresh list: whatever changed before it, deletions
        included, sent no event, so every node in the group is checked (coalesced)."""
        debouncer = self._debouncer
        if debouncer is not None:
            debouncer.mark(
                (t.workflow_id, node_id)
                for t in self._by_group.get(key, [])
                for node_id in t.objects
            )

    @property
    def synced(self) -> bool:
        return all(group.synced for group in self.groups.values())

    def nodes_for(self, key: GroupKey, obj: dict) -> list[NodeKey]:
        """The watched (workflow, node) pairs whose health this object's change may affect."""
        metadata = obj.get("metadata") or {}
        kind, name = str(obj.get("kind") or ""), str(metadata.get("name") or "")
        labels = metadata.get("labels") or {}
        # Endpoints share their Service's name and decide its health.
        as_kind = "Service" if kind == "Endpoints" else kind
        found: list[NodeKey] = []
        for target in self._by_group.get(key, []):
            node_id = target.node_for(as_kind, key[1], name, labels)
            if node_id is not None:
                found.append((target.workflow_id, node_id))
                for dependent in target.nodes_of_kind(DEPENDENTS.get(kind, ""), key[1]):
                    found.append((target.workflow_id, dependent))
        return found

    # --- refresh -----------------------------------------------------------------------------

    def _flush(self, keys: list[NodeKey]) -> None:
        close_old_connections()
        if not self.lease.held:
            return  # lost (or losing) the lease: the next sync stops the watches
        by_workflow: dict[int, list[str]] = defaultdict(list)
        for workflow_id, node_id in keys:
            by_workflow[workflow_id].append(node_id)
        for workflow_id, node_ids in sorted(by_workflow.items()):
            target = self.targets.get(workflow_id)
            if target is not None:
                self._refresh(target, sorted(set(node_ids)))

    def _refresh(self, target: Target, node_ids: list[str]) -> None:
        try:
            client = self._client_factory(target.cluster_id)()
            changed = refresh_nodes(client, target, node_ids)
            self.refreshed.update((target.workflow_id, n) for n in node_ids)
        except (ClusterError, KeyError) as exc:
            log.info("watchers: cannot refresh workflow %s: %s", target.workflow_id, exc)
            return
        if changed:
            log.debug("watchers: workflow %s nodes changed: %s", target.workflow_id, changed)

    def _client_factory(self, cluster_id: int) -> Callable[[], ClusterClient]:
        # client_for caches per cluster and rebuilds when its credentials change.
        return lambda: client_for(self._clusters[cluster_id])

    def _spec_factory(self, cluster_id: int) -> Callable[[], ConnectionSpec]:
        return lambda: connection_spec(self._clusters[cluster_id])

    # --- the keeper --------------------------------------------------------------------------

    def _keep(self) -> None:
        try:
            while not self._halt.is_set():
                close_old_connections()
                try:
                    self.sync()
                except Exception:
                    log.exception("watchers: sync failed")
                self._poke.wait(self._interval())
                self._poke.clear()
        finally:
            connections.close_all()

    def _interval(self) -> float:
        # Renew well before the lease runs out; pick up finished runs within seconds.
        return min(setting("KUBEORCH_WATCH_SYNC_SECONDS", 5), self.lease.seconds / 3)
