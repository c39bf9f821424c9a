"""Pod logs: one-shot reads and a follow stream that survives dropped connections.

Following asks the server for timestamps on every line. When the stream ends while
the container is still running (a proxy or the API server dropped it), it reconnects
with sinceTime = the last timestamp seen and skips the lines it already delivered, so
the caller sees every line exactly once. When the container has stopped, the stream
ends after a final catch-up read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deployments.cluster.errors import ClusterError
from deployments.cluster.streaming import StreamInterrupter, close_response, response_lines

if TYPE_CHECKING:
    from deployments.cluster.client import ClusterClient

MAX_RECONNECTS_WITHOUT_PROGRESS = 10

# 2024-05-01T12:00:00.123456789Z (fraction optional; offsets allowed)
_TIMESTAMP = re.compile(
    r"^(?P<second>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})$"
)


@dataclass(frozen=True)
class LogOptions:
    container: str | None = None
    tail_lines: int | None = None
    since_seconds: int | None = None
    previous: bool = False
    timestamps: bool = False


def _log_path(name: str, namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/pods/{name}/log"


def _query(
    options: LogOptions, *, follow: bool, stamped: bool = False, since_time: str | None = None
) -> list[tuple[str, str]]:
    """Query parameters; stamped forces timestamps (the follower needs them to resume)."""
    query: list[tuple[str, str]] = []
    if options.container:
        query.append(("container", options.container))
    if follow:
        query.append(("follow", "true"))
    if options.previous:
        query.append(("previous", "true"))
    if options.timestamps or stamped:
        query.append(("timestamps", "true"))
    if since_time is not None:
        query.append(("sinceTime", since_time))
    else:
        if options.tail_lines is not None:
            query.append(("tailLines", str(options.tail_lines)))
        if options.since_seconds is not None:
            query.append(("sinceSeconds", str(options.since_seconds)))
    return query


def _describe(name: str, namespace: str, options: LogOptions, verb: str) -> str:
    container = f" container {options.container}" if options.container else ""
    previous = " (previous instance)" if options.previous else ""
    return f"{verb} logs of Pod {name}{container}{previous} in ns {namespace}"


def read_logs(client: ClusterClient, name: str, namespace: str, options: LogOptions) -> str:
    response = client._call(
        _describe(name, namespace, options, "read"),
        lambda: client.dynamic.request(
            "get",
            _log_path(name, namespace),
            query_params=_query(options, follow=False),
            header_params={"Accept": "text/plain, */*"},
            serialize=False,
        ),
    )
    return response.data.decode("utf-8", "replace")


def follow_logs(
    client: ClusterClient,
    name: str,
    namespace: str,
    options: LogOptions,
    stop: threading.Event | None,
) -> LogFollower:
    return LogFollower(client, name, namespace, options, stop)


class LogFollower:
    """Iterator of log lines; also counts its connections (observability, tests)."""

    def __init__(
        self,
        client: ClusterClient,
        name: str,
        namespace: str,
        options: LogOptions,
        stop: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self.namespace = namespace
        self.options = options
        self.stop = stop
        self.doing = _describe(name, namespace, options, "follow")
        self.connections = 0
        self.last_stamp: tuple[str, int] | None = None  # (second, nanoseconds)
        self.lines_at_last_stamp = 0  # lines delivered carrying exactly last_stamp
        self.skip_at_last_stamp = 0  # after a reconnect: of those, how many to drop again
        self.resuming = False
        self._lines: Iterator[str] | None = None

    def __iter__(self) -> LogFollower:
        return self

    def __next__(self) -> str:
        if self._lines is None:
            self._lines = self._generate()
        return next(self._lines)

    def close(self) -> None:
        if self._lines is not None:
            self._lines.close()  # type: ignore[attr-defined]

    def _generate(self) -> Iterator[str]:
        with StreamInterrupter(self.stop) as interrupter:
            yield from self.run(interrupter)

    def run(self, interrupter: StreamInterrupter) -> Iterator[str]:
        since_time = None
        attempts_without_progress = 0
        while not interrupter.stopped:
            delivered = 0
            try:
                for line in self._stream(interrupter, since_time):
                    delivered += 1
                    yield line
            except ClusterError as error:
                if interrupter.stopped:
                    return
                if not error.retryable:
                    raise
            if interrupter.stopped:
                return
            if not self._container_running():
                # It stopped: fetch whatever the dropped stream may not have delivered.
                yield from self._catch_up()
                return
            attempts_without_progress = 0 if delivered else attempts_without_progress + 1
            if attempts_without_progress > MAX_RECONNECTS_WITHOUT_PROGRESS:
                return
            interrupter.wait(self.client.retry_policy.delay(max(1, attempts_without_progress)))
            since_time = self._resume_time()

    def _stream(self, interrupter: StreamInterrupter, since_time: str | None) -> Iterator[str]:
        response = self._open(follow=True, since_time=since_time)
        self.connections += 1
        interrupter.attach(response)
        try:
            for raw in response_lines(response):
                line = self._accept(raw)
                if line is not None:
                    yield line
        except ClusterError:
            raise
        except Exception as exc:
            if not interrupter.stopped:
                raise self.client.classify(exc, self.doing) from None
        finally:
            interrupter.detach()
            close_response(response)

    def _open(self, *, follow: bool, since_time: str | None) -> Any:
        client = self.client
        return client._call(
            self.doing,
            lambda: client.dynamic.request(
                "get",
                _log_path(self.name, self.namespace),
                query_params=_query(
                    self.options, follow=follow, stamped=True, since_time=since_time
                ),
                header_params={"Accept": "text/plain, */*"},
                serialize=False,
                # No read timeout: a quiet container is not a dead connection.
                _request_timeout=(client.request_timeout, None),
            ),
        )

    def _catch_up(self) -> Iterator[str]:
        since_time = self._resume_time()
        response = self._open(follow=False, since_time=since_time)
        try:
            text = response.data.decode("utf-8", "replace")
        finally:
            close_response(response)
        for raw in text.splitlines():
            line = self._accept(raw)
            if line is not None:
                yield line

    def _accept(self, raw: str) -> str | None:
        """Strip the timestamp we asked for; None for a line delivered before."""
        stamp_text, _, text = raw.partition(" ")
        stamp = _parse_timestamp(stamp_text)
        if stamp is None:
            return raw  # no timestamp (unusual server): cannot deduplicate, pass through
        if self.last_stamp is not None:
            if self.resuming and stamp < self.last_stamp:
                return None  # resent from before where we stopped
            if stamp == self.last_stamp:
                if self.skip_at_last_stamp > 0:
                    self.skip_at_last_stamp -= 1
                    return None
                self.lines_at_last_stamp += 1
                return raw if self.options.timestamps else text
        self.last_stamp = stamp
        self.lines_at_last_stamp = 1
        self.skip_at_last_stamp = 0
        self.resuming = False
        return raw if self.options.timestamps else text

    def _resume_time(self) -> str | None:
        """sinceTime for a reconnect; arms _accept to drop what was already delivered.

        sinceTime has one-second precision, so the server resends the whole second of
        the last line: _accept drops lines older than it and the ones already delivered
        at exactly its timestamp.
        """
        if self.last_stamp is None:
            return None
        self.resuming = True
        self.skip_at_last_stamp = self.lines_at_last_stamp
        return f"{self.last_stamp[0]}Z"

    def _container_running(self) -> bool:
        pod = self.client.get("v1", "Pod", self.name, self.namespace)
        if pod is None:
            return False
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        wanted = self.options.container
        for status in statuses:
            if wanted is None or status.get("name") == wanted:
                return "running" in (status.get("state") or {})
        return False


def _parse_timestamp(text: str) -> tuple[str, int] | None:
    """(second in UTC, nanoseconds) for an RFC3339(Nano) timestamp, comparable as a tuple."""
    match = _TIMESTAMP.match(text)
    if not match or match.group("zone") != "Z":
        return None  # kubelets write UTC; anything else we treat as "no timestamp"
    fraction = (match.group("fraction") or "").ljust(9, "0")
    return (match.group("second"), int(fraction))
