"""The object store: one lock, one global resourceVersion counter, a bounded event history."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .errors import expired
from .resources import ResourceType
from .util import Obj, deep

Key = tuple[str, str]
ObjList = list[Obj]
Predicate = Callable[[Obj], bool]


@dataclass
class WatchEvent:
    rv: int
    key: Key
    type: str
    obj: Obj


@dataclass(eq=False)
class Watcher:
    """One open watch: events matching its filter are pushed onto its own queue."""

    key: Key
    namespace: str | None
    predicate: Predicate
    queue: queue.Queue[WatchEvent | None] = field(default_factory=queue.Queue)

    @property
    def index(self) -> tuple[Key, str]:
        return self.key, self.namespace or ""

    def wants(self, event: WatchEvent) -> bool:
        if event.key != self.key:
            return False
        if self.namespace and event.obj["metadata"].get("namespace") != self.namespace:
            return False
        return self.predicate(event.obj)

    def close(self) -> None:
        self.queue.put(None)


EventList = list[WatchEvent]


class Store:
    def __init__(self, history_limit: int = 20000) -> None:
        self.lock = threading.RLock()
        # kind -> namespace ("" when cluster-scoped) -> name -> object: a controller reads one
        # namespace at a time (an owner's pods), which must not walk every namespace's objects.
        self._objects: dict[Key, dict[str, dict[str, Obj]]] = {}
        self._applied: dict[str, dict[str, Obj]] = {}
        self._rv = 1
        self._history: deque[WatchEvent] = deque()
        self._history_limit = history_limit
        self._oldest_replayable = 1
        # Open watches by resource type and namespace ("" for all namespaces): an event is
        # matched against the watches that can want it only (one watch per kind and namespace
        # from every worker makes thousands of them).
        self._watchers: dict[tuple[Key, str], set[Watcher]] = {}
        self.changed = threading.Event()

    # -- reads ---------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        with self.lock:
            found = self._objects.get(rt.key, {}).get(namespace or "", {}).get(name)
            return deep(found) if found is not None else None

    def list(self, rt: ResourceType, namespace: str | None = None,
             predicate: Predicate | None = None) -> tuple[ObjList, int]:
        with self.lock:
            items = [deep(o) for o in self._iter(rt, namespace)
                     if predicate is None or predicate(o)]
            return items, self._rv

    def scan(self, rt: ResourceType, namespace: str | None = None) -> Iterator[Obj]:
        """The stored objects themselves, not copies, for readers that hold the lock and only
        look: garbage collection read a deep copy of every object of every kind per tick."""
        bucket = self._objects.get(rt.key, {})
        spaces = [bucket.get(namespace, {})] if namespace else list(bucket.values())
        for objects in spaces:
            yield from list(objects.values())

    def _iter(self, rt: ResourceType, namespace: str | None) -> Iterator[Obj]:
        bucket = self._objects.get(rt.key, {})
        for ns in [namespace] if namespace else sorted(bucket):
            objects = bucket.get(ns, {})
            for name in sorted(objects):
                yield objects[name]

    # -- writes (callers hold no invariants beyond a validated object) -------------------
    def _emit(self, rt: ResourceType, kind: str, obj: Obj) -> None:
        event = WatchEvent(self._rv, rt.key, kind, deep(obj))
        self._history.append(event)
        if len(self._history) > self._history_limit:
            self._oldest_replayable = self._history.popleft().rv
        namespace = obj["metadata"].get("namespace") or ""
        candidates = [*self._watchers.get((rt.key, ""), ()),
                      *(self._watchers.get((rt.key, namespace), ()) if namespace else ())]
        for watcher in candidates:
            if watcher.wants(event):
                watcher.queue.put(event)
        self.changed.set()

    def _bump(self, obj: Obj) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)

    def insert(self, rt: ResourceType, obj: Obj) -> Obj:
        with self.lock:
            stored = deep(obj)
            self._bump(stored)
            self._put(rt, stored)
            self._emit(rt, "ADDED", stored)
            return deep(stored)

    def _put(self, rt: ResourceType, stored: Obj) -> None:
        meta = stored["metadata"]
        namespaces = self._objects.setdefault(rt.key, {})
        namespaces.setdefault(meta.get("namespace", "") or "", {})[meta["name"]] = stored

    def replace(self, rt: ResourceType, obj: Obj) -> Obj:
        with self.lock:
            stored = deep(obj)
            self._bump(stored)
            self._put(rt, stored)
            self._emit(rt, "MODIFIED", stored)
            return deep(stored)

    def remove(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        with self.lock:
            objects = self._objects.get(rt.key, {}).get(namespace or "")
            stored = objects.pop(name, None) if objects is not None else None
            if stored is None:
                return None
            if not objects:
                del self._objects[rt.key][namespace or ""]
            self._applied.pop(stored["metadata"].get("uid", ""), None)
            self._bump(stored)
            self._emit(rt, "DELETED", stored)
            return deep(stored)

    # -- server-side apply bookkeeping ---------------------------------------------------
    def applied_config(self, uid: str, manager: str) -> Obj | None:
        with self.lock:
            found = self._applied.get(uid, {}).get(manager)
            return deep(found) if found is not None else None

    def remember_applied(self, uid: str, manager: str, config: Obj) -> None:
        with self.lock:
            self._applied.setdefault(uid, {})[manager] = deep(config)

    # -- watch -----------------------------------------------------------------------------
    def open_watch(self, rt: ResourceType, namespace: str | None, predicate: Predicate,
                   since: str | None) -> tuple[Watcher, EventList]:
        """Register a watcher; return it with the events it must see before live ones."""
        with self.lock:
            watcher = Watcher(rt.key, namespace, predicate)
            if since in (None, "", "0"):
                initial = [WatchEvent(self._rv, rt.key, "ADDED", deep(o))
                           for o in self._iter(rt, namespace) if predicate(o)]
            else:
                initial = self._replay(watcher, since)
            self._watchers.setdefault(watcher.index, set()).add(watcher)
            return watcher, initial

    def _replay(self, watcher: Watcher, since: str) -> EventList:
        try:
            start = int(since)
        except ValueError as exc:
            raise expired(f"invalid resource version: {since!r}") from exc
        if start < self._oldest_replayable:
            raise expired(f"too old resource version: {start} ({self._oldest_replayable})")
        return [e for e in self._history if e.rv > start and watcher.wants(e)]

    def close_watch(self, watcher: Watcher) -> None:
        with self.lock:
            watchers = self._watchers.get(watcher.index)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._watchers[watcher.index]

    def close_all_watches(self) -> None:
        with self.lock:
            for watchers in self._watchers.values():
                for watcher in list(watchers):
                    watcher.close()

    def compact(self) -> None:
        with self.lock:
            self._history.clear()
            self._oldest_replayable = self._rv
