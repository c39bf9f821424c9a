"""Pod health: phase, readiness, container problems, restart policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_int, as_list, as_map, condition_is, dig, spec, status
from .model import Context, Health, degraded, healthy, progressing, unknown
from .pods import container_statuses, pod_problem, shorten
from .registry import register


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st = status(obj)
    containers = [c for c in as_list(st.get("containerStatuses")) if isinstance(c, Mapping)]
    return {
        "phase": st.get("phase"),
        "pod_ip": st.get("podIP"),
        "pod_ips": [ip.get("ip") for ip in as_list(st.get("podIPs")) if isinstance(ip, Mapping)],
        "host_ip": st.get("hostIP"),
        "node": spec(obj).get("nodeName"),
        "ready_containers": sum(1 for c in containers if c.get("ready") is True),
        "total_containers": len(containers),
        "restart_counts": {
            str(c.get("name")): as_int(c.get("restartCount")) for c in container_statuses(obj)
        },
        "restart_policy": spec(obj).get("restartPolicy") or "Always",
    }


def _failure_message(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(reason, message) for a Failed pod: the pod's own reason (Evicted...) else a container's."""
    st = status(obj)
    if st.get("reason") or st.get("message"):
        reason = str(st.get("reason") or "Failed")
        return reason, shorten(f"{reason}: {st.get('message') or 'pod failed'}")
    for container in container_statuses(obj):
        terminated = as_map(dig(container, "state", "terminated"))
        if as_int(terminated.get("exitCode")) != 0:
            reason = str(terminated.get("reason") or "Error")
            text = f"container {container.get('name')} exited with code {terminated['exitCode']}"
            extra = terminated.get("message")
            return reason, shorten(f"{text} ({reason})" + (f": {extra}" if extra else ""))
    return "Failed", "pod failed"


def _pending_message(obj: Mapping[str, Any]) -> str:
    for container in container_statuses(obj):
        reason = dig(container, "state", "waiting", "reason")
        if reason:
            return f"pending: container {container.get('name')} {reason}"
    if condition_is(obj, "PodScheduled", "True") is None:
        return "pending: waiting to be scheduled"
    return "pending"


def _running(obj: Mapping[str, Any], d: dict[str, Any]) -> Health:
    counts = f"{d['ready_containers']}/{d['total_containers']} containers ready"
    if d["restart_policy"] != "Always":
        # Job-style pods are meant to finish; running is progress, not the end state.
        return progressing(f"running to completion ({counts})", **d)
    if condition_is(obj, "Ready", "True") is not None:
        return healthy(f"running, {counts}", **d)
    return progressing(f"running, {counts}", **d)


@register("Pod", "")
def assess_pod(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    phase = d["phase"]
    if phase == "Succeeded":
        return healthy("completed", **d)
    if phase == "Failed":
        reason, message = _failure_message(obj)
        return degraded(message, reason=reason, **d)
    problem = pod_problem(obj)
    if problem is not None:
        return degraded(
            problem.describe(), reason=problem.reason, problem=problem.to_details(), **d
        )
    if phase == "Running":
        return _running(obj, d)
    if phase == "Pending" or phase is None:
        return progressing(_pending_message(obj), **d)
    return unknown(f"pod phase {phase}: its node may be unreachable", **d)
