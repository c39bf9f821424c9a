"""Pod logs of a workflow node as server-sent events.

Two phases, so that errors are plain JSON answers and never half a stream:
1. `plan_logs` (blocking, run in a thread): find the pods, then either read the logs
   (follow=0) or probe every container once (follow=1). The API server's refusals (pod gone,
   container not named in a multi-container pod, no previous instance) become 4xx errors here.
2. `stream_logs` (async generator for StreamingHttpResponse): yields `event: log` blocks, a
   `: keepalive` comment when idle, and `event: end` once every followed container ended.
   Following runs one adapter follower per container in a thread (see bridge.py); when the client
   goes away Django cancels the generator and its `finally` sets the followers' stop event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial

from django.conf import settings

from deployments.cluster import ClusterClient, ClusterError
from deployments.cluster.models import KubeObject
from deployments.streams.bridge import ThreadBridge
from deployments.streams.pods import container_names, node_pods, select_pods
from kubeorch.errors import InvalidInput, KubeOrchError
from workflows.models import Workflow
from workflows.secret_masking import redactor, secret_values

logger = logging.getLogger(__name__)

# Each followed container costs two threads (follower + its socket interrupter).
MAX_FOLLOWED_CONTAINERS = 20
READ_CONCURRENCY = 8
# Events sent in one chunk when many lines are ready at once (fewer, larger writes).
EVENTS_PER_CHUNK = 200
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")


class ClusterRefused(KubeOrchError):
    """The API server refused a request about the user's own input (a 4xx from it)."""

    code = "cluster_error"

    def __init__(self, error: ClusterError) -> None:
        super().__init__(error.message, extra={"reason": error.reason})
        self.status_code = int(error.status or 400)


@dataclass(frozen=True)
class LogQuery:
    pod: str = ""
    container: str = ""
    tail: int | None = None
    since: int | None = None
    follow: bool = False
    previous: bool = False

    @property
    def streams(self) -> bool:
        # Previous instances have ended: there is nothing to follow (kubectl -p -f agrees).
        return self.follow and not self.previous


@dataclass(frozen=True)
class LogTarget:
    pod: str
    namespace: str
    container: str | None  # as sent to the API server; None lets it choose or refuse
    label: str  # the container name reported in events


@dataclass(frozen=True)
class LogLine:
    pod: str
    container: str
    line: str
    ts: str | None


@dataclass(frozen=True)
class Ended:
    target: LogTarget
    error: str | None = None


@dataclass
class LogPlan:
    client: ClusterClient | None
    query: LogQuery
    targets: list[LogTarget]
    lines: list[LogLine] = field(default_factory=list)  # follow=0: read before streaming
    # Masks the workflow's secret values in every line sent (an app may print its environment).
    redact: Callable[[str], str] = field(default=lambda line: line)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "KUBEORCH_SSE_HEARTBEAT_SECONDS", 15))


# --- phase 1: plan (blocking) ---------------------------------------------------------------


def plan_logs(workflow: Workflow, node_id: str, query: LogQuery) -> LogPlan:
    found = node_pods(workflow, node_id)
    targets = [_target(pod, query.container) for pod in select_pods(found, query.pod)]
    plan = LogPlan(found.client, query, targets, redact=_secret_redactor(workflow))
    if not targets or found.client is None:
        return plan
    if query.streams and len(targets) > MAX_FOLLOWED_CONTAINERS:
        raise InvalidInput(
            f"following {len(targets)} containers at once is too many "
            f"(at most {MAX_FOLLOWED_CONTAINERS}): name a pod"
        )
    try:
        if query.streams:
            for target in targets:
                _probe(found.client, target)
        else:
            plan.lines = read_all(found.client, targets, query)
    except ClusterError as error:
        raise _for_client(error) from None
    return plan


def _secret_redactor(workflow: Workflow) -> Callable[[str], str]:
    """The values of the workflow's Secret nodes: as saved, and as its last version ran."""
    latest = workflow.versions.order_by("-number").values_list("nodes", flat=True).first()
    return redactor(secret_values(workflow.nodes, latest))


def _for_client(error: ClusterError) -> Exception:
    # 400/404 answer the user's choice of pod/container; anything else is the cluster's
    # failure and stays a 502 (the API error handler's mapping of ClusterError).
    return ClusterRefused(error) if error.status in (400, 404) else error


def _target(pod: KubeObject, container: str) -> LogTarget:
    names = container_names(pod)
    default = ((pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION))
    label = container or (names[0] if len(names) == 1 else default or "")
    return LogTarget(
        pod=pod["metadata"]["name"],
        namespace=pod["metadata"]["namespace"],
        container=container or None,
        label=label,
    )


def _probe(client: ClusterClient, target: LogTarget) -> None:
    """An empty read with the same options: the API server says now whether it would refuse."""
    client.pod_logs(target.pod, target.namespace, container=target.container, tail_lines=0)


def read_all(client: ClusterClient, targets: list[LogTarget], query: LogQuery) -> list[LogLine]:
    """Every target's lines, interleaved by timestamp (each container's own order kept)."""
    workers = max(1, min(READ_CONCURRENCY, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kubeorch-logs-read") as pool:
        per_target = list(pool.map(partial(_read_one, client, query=query), targets))
    merged = [line for lines in per_target for line in lines]
    return sorted(merged, key=lambda line: _sort_key(line.ts))  # stable: ties keep order


def _read_one(client: ClusterClient, target: LogTarget, *, query: LogQuery) -> list[LogLine]:
    text = client.pod_logs(
        target.pod,
        target.namespace,
        container=target.container,
        tail_lines=query.tail,
        since_seconds=query.since,
        previous=query.previous,
        timestamps=True,
    )
    return [parse_line(target, raw) for raw in text.splitlines()]


def parse_line(target: LogTarget, raw: str) -> LogLine:
    """Split the timestamp we asked the API server for off the line."""
    stamp, _, text = raw.partition(" ")
    if _STAMP.match(stamp):
        return LogLine(target.pod, target.label, text, stamp)
    return LogLine(target.pod, target.label, raw, None)


def _sort_key(ts: str | None) -> tuple[str, str]:
    # RFC3339Nano drops trailing zeros, so compare (second, zero-padded fraction), not text.
    match = _STAMP.match(ts or "")
    if not match:
        return ("", "")
    return (match.group(1), (match.group(2) or "").ljust(9, "0"))


# --- phase 2: stream (async) ----------------------------------------------------------------


def sse(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


async def stream_logs(plan: LogPlan) -> AsyncIterator[str]:
    if not plan.query.streams or plan.client is None:
        for start in range(0, len(plan.lines), EVENTS_PER_CHUNK):
            batch = plan.lines[start : start + EVENTS_PER_CHUNK]
            yield "".join(_render(line, plan.redact) for line in batch)
        yield sse("end", {"reason": "complete"})
        return
    async for chunk in _follow(plan.client, plan):
        yield chunk


async def _follow(client: ClusterClient, plan: LogPlan) -> AsyncIterator[str]:
    bridge = ThreadBridge(name="kubeorch-logs")
    for target in plan.targets:
        bridge.start(f"{target.pod}/{target.label}", partial(_follow_one, client, target, plan))
    running = len(plan.targets)
    try:
        while running:
            try:
                first = await asyncio.wait_for(bridge.queue.get(), heartbeat_seconds())
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            items = [first, *_ready_items(bridge.queue)]
            running -= sum(isinstance(item, Ended) for item in items)
            yield "".join(_render(item, plan.redact) for item in items)
        yield sse("end", {"reason": "containers ended"})
    finally:
        # Runs on normal end and when Django cancels us on disconnect; must not block.
        bridge.stop()


def _ready_items(queue: asyncio.Queue[LogLine | Ended]) -> list[LogLine | Ended]:
    items: list[LogLine | Ended] = []
    while len(items) < EVENTS_PER_CHUNK - 1:
        try:
            items.append(queue.get_nowait())
        except asyncio.QueueEmpty:
            break
    return items


def _render(item: LogLine | Ended, redact: Callable[[str], str]) -> str:
    if isinstance(item, LogLine):
        return sse("log", {**asdict(item), "line": redact(item.line)})
    if item.error:
        target = item.target
        return sse("error", {"pod": target.pod, "container": target.label, "message": item.error})
    return ""


def _follow_one(
    client: ClusterClient, target: LogTarget, plan: LogPlan, bridge: ThreadBridge
) -> None:
    """Thread body: one container's follower into the bridge until it ends or stop is set."""
    error: str | None = None
    follower = client.follow_pod_logs(
        target.pod,
        target.namespace,
        container=target.container,
        tail_lines=plan.query.tail,
        since_seconds=plan.query.since,
        timestamps=True,
        stop=bridge.stop_event,
    )
    try:
        for raw in follower:
            if not bridge.put(parse_line(target, raw)):
                return  # the client is gone
    except ClusterError as exc:
        error = exc.message
    except Exception:
        logger.exception("following logs of %s/%s failed", target.pod, target.label)
        error = "internal error while following the logs"
    finally:
        follower.close()
    bridge.put(Ended(target, error))
