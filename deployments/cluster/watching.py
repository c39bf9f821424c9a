"""A watch that does not lose or repeat events across reconnects and 410 Gone.

How it stays exact:
- It remembers the resourceVersion of the last event (and of BOOKMARKs, which it asks
  for) and reconnects from there whenever a connection ends, cleanly or not. The API
  server then replays exactly the events after that version.
- When that version is too old (410 Gone: the server compacted its history), it
  relists, compares the list with the objects it has seen, and emits synthetic events
  for the difference (DELETED / ADDED / MODIFIED) before watching from the list's
  version. Consumers therefore converge on the cluster's state.
- Started without a resource_version it lists first and emits the items as ADDED, so it
  knows every object from the start and a later relist can report deletions too.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from deployments.cluster.errors import ClusterError
from deployments.cluster.models import KubeObject, WatchEvent
from deployments.cluster.streaming import StreamInterrupter, close_response, response_lines

if TYPE_CHECKING:
    from deployments.cluster.client import ClusterClient

log = logging.getLogger(__name__)

# Consecutive failed reconnects (with backoff between them) before giving up.
MAX_CONSECUTIVE_FAILURES = 10
# A connection that ends this fast with nothing on it counts as a failure (no hot loop).
MIN_HEALTHY_CONNECTION_SECONDS = 1.0
# Extra read time over the server-side timeout before we call the connection dead.
READ_GRACE_SECONDS = 30

ObjectKey = tuple[str, str]


class _Expired(Exception):
    """The server no longer has our resourceVersion (410 Gone)."""


class ResourceWatch:
    def __init__(
        self,
        client: ClusterClient,
        api_version: str,
        kind: str,
        *,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        resource_version: str | None,
        stop: threading.Event | None,
        server_timeout_seconds: int = 300,
    ) -> None:
        self.client = client
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resource_version = resource_version
        self.stop = stop
        self.server_timeout_seconds = server_timeout_seconds
        self.known: dict[ObjectKey, KubeObject] = {}
        self.doing = f"watch {kind}" + (f" in ns {namespace}" if namespace else "")
        self.connections = 0  # watch requests opened so far (observability, tests)
        self.relists = 0  # lists done, the first one included
        self._events: Iterator[WatchEvent] | None = None

    # The watch is its own iterator, so callers can also read its counters.
    def __iter__(self) -> ResourceWatch:
        return self

    def __next__(self) -> WatchEvent:
        if self._events is None:
            self._events = self._generate()
        return next(self._events)

    def close(self) -> None:
        """Stop iterating and close the open connection (like generator.close())."""
        if self._events is not None:
            self._events.close()  # type: ignore[attr-defined]

    def _generate(self) -> Iterator[WatchEvent]:
        with StreamInterrupter(self.stop) as interrupter:
            yield from self._run(interrupter)

    def _run(self, interrupter: StreamInterrupter) -> Iterator[WatchEvent]:
        if self.resource_version is None:
            yield from self._relist(synthetic=False)
        failures = 0
        while not interrupter.stopped:
            started = time.monotonic()
            received = 0
            try:
                for event in self._stream_once(interrupter):
                    received += 1
                    yield event
            except _Expired:
                log.info("%s: resourceVersion expired, relisting", self.doing)
                yield from self._relist(synthetic=True)
                continue
            except ClusterError as error:
                if interrupter.stopped:
                    return
                if not error.retryable:
                    raise
                failures = self._count_failure(failures, error)
                interrupter.wait(self.client.retry_policy.delay(failures))
                continue
            if received or time.monotonic() - started >= MIN_HEALTHY_CONNECTION_SECONDS:
                failures = 0  # a normal end (server timeout, dropped connection): reconnect
            else:
                failures += 1
                interrupter.wait(self.client.retry_policy.delay(failures))

    def _count_failure(self, failures: int, error: ClusterError) -> int:
        failures += 1
        if failures > MAX_CONSECUTIVE_FAILURES:
            raise error
        log.info("%s: reconnecting after failure %d: %s", self.doing, failures, error)
        return failures

    # --- one connection -----------------------------------------------------------------

    def _stream_once(self, interrupter: StreamInterrupter) -> Iterator[WatchEvent]:
        response = self._open()
        self.connections += 1
        interrupter.attach(response)
        try:
            for line in response_lines(response):
                if interrupter.stopped:
                    return
                event = self._handle_line(line)
                if event is not None:
                    yield event
        except ClusterError:
            raise
        except _Expired:
            raise
        except Exception as exc:
            if interrupter.stopped:
                return
            raise self.client.classify(exc, self.doing) from None
        finally:
            interrupter.detach()
            close_response(response)

    def _open(self) -> Any:
        client = self.client
        resource = client.resource(self.api_version, self.kind)
        path = resource.path(namespace=self.namespace if resource.namespaced else None)
        try:
            return client.dynamic.request(
                "get",
                path,
                watch=True,
                resource_version=self.resource_version,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                allow_watch_bookmarks=True,
                timeout_seconds=self.server_timeout_seconds,
                serialize=False,
                _request_timeout=(
                    client.request_timeout,
                    self.server_timeout_seconds + READ_GRACE_SECONDS,
                ),
            )
        except Exception as exc:
            error = client.classify(exc, self.doing)
            if error.status == 410:
                raise _Expired from None
            raise error from None

    def _handle_line(self, line: str) -> WatchEvent | None:
        if not line.strip():
            return None
        try:
            raw = json.loads(line)
        except ValueError:
            log.warning("%s: ignoring a line that is not JSON", self.doing)
            return None
        event_type = raw.get("type")
        obj = raw.get("object") or {}
        if event_type == "ERROR":
            self._raise_for_status(obj)
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if event_type == "BOOKMARK":
            self.resource_version = version or self.resource_version
            return None
        if event_type not in ("ADDED", "MODIFIED", "DELETED"):
            return None
        if version:
            self.resource_version = version
        return self._remember(event_type, obj)

    def _raise_for_status(self, status: KubeObject) -> None:
        if status.get("code") == 410:
            raise _Expired
        code = status.get("code")
        raise ClusterError(
            f"{self.doing}: {status.get('message') or 'watch error'}",
            status=code,
            reason=status.get("reason"),
            retryable=code in (429, 500, 502, 503, 504),
            details=status.get("details"),
        )

    def _remember(self, event_type: str, obj: KubeObject) -> WatchEvent | None:
        """Update what we know and return the event, or None if we have already seen it."""
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        key = _key(obj)
        seen = self.known.get(key)
        if event_type == "DELETED":
            self.known.pop(key, None)
            return WatchEvent("DELETED", obj)
        if seen is not None and _version(seen) == _version(obj):
            return None  # a replay of an event already delivered
        self.known[key] = obj
        return WatchEvent(event_type, obj)

    # --- relisting ----------------------------------------------------------------------

    def _relist(self, *, synthetic: bool) -> Iterator[WatchEvent]:
        items, list_version = self.client.list_with_version(
            self.api_version,
            self.kind,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
        )
        self.relists += 1
        current = {_key(item): item for item in items}
        events = _differences(self.known, current, synthetic)
        self.known = current
        self.resource_version = list_version
        yield from events


def _differences(
    known: dict[ObjectKey, KubeObject], current: dict[ObjectKey, KubeObject], synthetic: bool
) -> list[WatchEvent]:
    events = [
        WatchEvent("DELETED", obj, synthetic)
        for key, obj in sorted(known.items())
        if key not in current
    ]
    for key, obj in sorted(current.items()):
        before = known.get(key)
        if before is None:
            events.append(WatchEvent("ADDED", obj, synthetic))
        elif _version(before) != _version(obj):
            events.append(WatchEvent("MODIFIED", obj, synthetic))
    return events


def _key(obj: KubeObject) -> ObjectKey:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")


def _version(obj: KubeObject) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")
