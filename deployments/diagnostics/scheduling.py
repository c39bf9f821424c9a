"""Pods the scheduler cannot place: the scheduler's message, what the nodes can offer, and
requests lowered to fit the roomiest node."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from deployments.diagnostics.amounts import amount_text, quantity
from deployments.diagnostics.evidence import events_view, pod_names
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed
from deployments.diagnostics.registry import WORKLOADS, register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig
from deployments.health.pods import scheduling_problem

RESOURCES = ("cpu", "memory")
_INSUFFICIENT = re.compile(r"Insufficient (cpu|memory)")
FINISHED_PHASES = frozenset({"Succeeded", "Failed"})


@register(*WORKLOADS)
def schedulable(subject: Subject) -> list[Check]:
    if subject.live() is None or not subject.pods():
        return []
    stuck = [pod for pod in subject.pods() if scheduling_problem(pod) is not None]
    if not stuck:
        return [passed("pods.scheduled", "every pod is scheduled on a node")]
    problem = scheduling_problem(stuck[0])
    message = problem.message if problem else ""
    short = sorted(set(_INSUFFICIENT.findall(message)))
    nodes = _node_room(subject)
    fix = _fit_requests(subject, short, nodes) if nodes else None
    advice = (
        f"Lower the {' and '.join(short)} requests to what a node can fit"
        if short
        else "No node satisfies the pod's constraints"
    )
    return [
        error(
            "pods.scheduled",
            f"{len(stuck)} pod(s) cannot be scheduled: {message}. {advice}",
            fix,
            pods=pod_names(stuck),
            scheduler_message=message,
            insufficient=short,
            requests=_requests(subject),
            nodes=[_node_view(node) for node in nodes],
            events=events_view(
                subject.events_about("Pod", set(pod_names(stuck))), "FailedScheduling"
            ),
        )
    ]


def _requests(subject: Subject) -> dict[str, Any]:
    resources = subject.data.get("resources") or {}
    return {part: dict(resources.get(part) or {}) for part in ("requests", "limits")}


def _node_view(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": node["name"],
        "allocatable": node["allocatable"],
        "requested": {key: amount_text(key, value) for key, value in node["used"].items()},
    }


def _node_room(subject: Subject) -> list[dict[str, Any]]:
    """Allocatable and already-requested cpu/memory per schedulable node."""
    nodes = subject.list_or_none("v1", "Node") or []
    pods = subject.list_or_none("v1", "Pod") or []
    room = []
    for node in nodes:
        if dig(node, "spec", "unschedulable"):
            continue
        name = str(dig(node, "metadata", "name"))
        allocatable = dict(dig(node, "status", "allocatable") or {})
        room.append({"name": name, "allocatable": allocatable, "used": _used(pods, name)})
    return room


def _used(pods: list[dict[str, Any]], node_name: str) -> dict[str, Decimal]:
    used = {resource: Decimal(0) for resource in RESOURCES}
    for pod in pods:
        if dig(pod, "spec", "nodeName") != node_name:
            continue
        if dig(pod, "status", "phase") in FINISHED_PHASES:
            continue
        for container in dig(pod, "spec", "containers") or []:
            amounts = _effective_requests(container.get("resources") or {})
            for resource in RESOURCES:
                used[resource] += quantity(amounts.get(resource)) or Decimal(0)
    return used


def _effective_requests(resources: Mapping[str, Any]) -> Mapping[str, Any]:
    # Kubernetes defaults a missing request to the limit; the scheduler counts that.
    return {**(resources.get("limits") or {}), **(resources.get("requests") or {})}


def _fit_requests(subject: Subject, short: list[str], nodes: list[dict[str, Any]]) -> Fix | None:
    raw = subject.raw_data().get("resources") or {}
    ops = []
    for resource in short:
        target = _fitting_amount(resource, nodes)
        # Patch the request; when only a limit is set it *is* the request, so lower that.
        part = "requests" if resource in (raw.get("requests") or {}) else "limits"
        current = (raw.get(part) or {}).get(resource)
        amount = quantity(current)
        if target is None or amount is None or amount <= target:
            continue
        text = amount_text(resource, target)
        ops.append(PatchOp(node_path(subject.node_id, "resources", part, resource), current, text))
    if not ops:
        return None
    changes = ", ".join(
        f"{op.path.rsplit('/', 2)[-2]} {op.path.rsplit('/', 1)[-1]} {op.old} -> {op.new}"
        for op in ops
    )
    return Fix(
        "resources.fit-node",
        f"lower {changes}: half of the roomiest node's allocatable, within what is free on it",
        tuple(ops),
    )


def _fitting_amount(resource: str, nodes: list[dict[str, Any]]) -> Decimal | None:
    """Half the roomiest node's allocatable, capped by what is still free there: the pod fits
    today and leaves room for others. Rounded down to 100m CPU / whole Mi."""
    best: Decimal | None = None
    for node in nodes:
        allocatable = quantity(node["allocatable"].get(resource))
        if allocatable is None:
            continue
        amount = min(allocatable / 2, allocatable - node["used"][resource])
        if amount > 0 and (best is None or amount > best):
            best = amount
    if best is None:
        return None
    step = Decimal("0.1") if resource == "cpu" else Decimal(1024 * 1024)
    rounded = (best // step) * step
    return rounded if rounded > 0 else None
