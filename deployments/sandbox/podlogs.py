"""GET pods/{name}/log: container selection, tailLines, sinceSeconds, timestamps, previous,
follow (a chunked stream that ends when the container exits or the connection is cut)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import resources as R
from .errors import bad_request
from .httpbase import StreamClosed
from .logbook import Line
from .util import Obj, micro_iso

if TYPE_CHECKING:
    from .cluster import SandboxCluster
    from .server import Handler


def choose_container(pod: Obj, requested: str | None) -> str:
    names = [c["name"] for c in pod["spec"].get("containers", [])]
    init_names = [c["name"] for c in pod["spec"].get("initContainers") or []]
    name = pod["metadata"]["name"]
    if requested:
        if requested not in names + init_names:
            raise bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(names) == 1:
        return names[0]
    default = (pod["metadata"].get("annotations") or {}).get(
        "kubectl.kubernetes.io/default-container")
    if default in names:
        return str(default)
    raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                      f"[{' '.join(names)}]" + (f" or one of the init containers: "
                                                f"[{' '.join(init_names)}]" if init_names else ""))


def _render(line: Line, timestamps: bool) -> bytes:
    prefix = f"{micro_iso(line.at)[:-1]}000Z " if timestamps else ""
    return f"{prefix}{line.text}\n".encode()


def _select(lines: list[Line], tail: int | None, since: float | None) -> list[Line]:
    if since is not None:
        lines = [line for line in lines if line.at >= time.time() - since]
    if tail is not None:
        lines = lines[-tail:] if tail > 0 else []
    return lines


def serve_logs(handler: Handler, cluster: SandboxCluster, namespace: str, name: str) -> None:
    pod = cluster.api.get(R.PODS, namespace, name)
    container = choose_container(pod, handler.param("container"))
    key = (pod["metadata"]["uid"], container)
    previous, follow = handler.flag("previous"), handler.flag("follow")
    timestamps = handler.flag("timestamps")
    tail_text, since_text = handler.param("tailLines"), handler.param("sinceSeconds")
    try:
        tail = int(tail_text) if tail_text else None
        since = float(since_text) if since_text else None
    except ValueError as exc:
        raise bad_request(f"invalid log options: {exc}") from exc
    lines = cluster.logs.lines(key, previous=previous)
    if lines is None:
        if previous:
            raise bad_request(f'previous terminated container "{container}" in pod "{name}" '
                              f"not found")
        raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                          f"{_waiting_reason(pod, container)}")
    selected = _select(lines, tail, since)
    if not follow or previous:
        handler.send_bytes(200, b"".join(_render(x, timestamps) for x in selected), "text/plain")
        return
    handler.start_stream("text/plain")
    instance = cluster.logs.instance_count(key) - 1
    state = "open"
    try:
        for line in selected:
            handler.write_chunk(_render(line, timestamps))
        seen = len(lines)
        while state == "open" and not cluster.stopped:
            fresh, state = cluster.logs.wait_beyond(key, instance, seen, 0.5)
            seen += len(fresh)
            handler.write_chunk(b"".join(_render(x, timestamps) for x in fresh))
    except StreamClosed:
        state = "cut"
    finally:
        handler.end_stream(clean=state == "ended")


def _waiting_reason(pod: Obj, container: str) -> str:
    for status in pod.get("status", {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return str(status.get("state", {}).get("waiting", {}).get("reason", "PodInitializing"))
    return "ContainerCreating"
