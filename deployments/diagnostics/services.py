"""Services: connected to a workload, endpoints ready, and forwarding to a port the
workload's containers actually listen on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deployments.diagnostics.model import (
    Check,
    Fix,
    PatchOp,
    edge_path,
    error,
    node_path,
    passed,
    warn,
)
from deployments.diagnostics.registry import register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import as_list, dig
from workflows.kinds.context import ResolvedNode
from workflows.kinds.podspec import primary_port
from workflows.kinds.service import SERVICE_TARGETS


def connect_fix(subject: Subject, workload: ResolvedNode) -> Fix:
    """An edge Service -> workload; an explicit selector goes, since the edge replaces it."""
    edge = {
        "id": f"{subject.node_id}->{workload.id}",
        "source": subject.node_id,
        "target": workload.id,
    }
    ops = [PatchOp(edge_path(edge["id"]), None, edge)]
    raw = subject.raw_data()
    if "selector" in raw:
        ops.insert(0, PatchOp(node_path(subject.node_id, "selector"), raw["selector"], None))
    return Fix(
        "service.connect-workload",
        f"connect the Service to {workload.type_id} {workload.name!r} (same name)",
        tuple(ops),
    )


def _candidates(subject: Subject) -> list[ResolvedNode]:
    return [
        node
        for node in subject.topology.nodes.values()
        if node.type_id in SERVICE_TARGETS
        and node.name == subject.node.name
        and node.namespace == subject.namespace
    ]


def _no_workload_advice(subject: Subject) -> tuple[Fix | None, str]:
    found = _candidates(subject)
    if len(found) == 1:
        return connect_fix(subject, found[0]), f"connect it to {found[0].name!r}"
    names = sorted(n.name for n in subject.topology.nodes.values() if n.type_id in SERVICE_TARGETS)
    if not names:
        return None, "the graph has no Deployment, StatefulSet or DaemonSet to connect"
    return None, (
        f"connect it to the workload it fronts (none is named {subject.node.name!r}; "
        f"workloads: {', '.join(names)})"
    )


@register("service", live=False)
def selects_workload(subject: Subject) -> list[Check]:
    workloads = subject.topology.targets(subject.node_id)
    if workloads:
        names = [f"{w.type_id} {w.name}" for w in workloads]
        return [
            passed(
                "service.workload",
                f"connected to {', '.join(names)}",
                workloads=[w.id for w in workloads],
            )
        ]
    if subject.data.get("selector"):
        return [
            passed(
                "service.workload",
                "selects pods by its own selector",
                selector=dict(subject.data["selector"]),
            )
        ]
    fix, advice = _no_workload_advice(subject)
    return [
        error(
            "service.workload",
            f"not connected to a workload, so it selects no pods: {advice}",
            fix,
            workloads=[],
        )
    ]


def _addresses(endpoints: Mapping[str, Any] | None, key: str) -> list[str]:
    subsets = as_list((endpoints or {}).get("subsets"))
    return [
        str(dig(address, "targetRef", "name") or address.get("ip"))
        for subset in subsets
        for address in as_list(subset.get(key))
    ]


@register("service")
def endpoints_ready(subject: Subject) -> list[Check]:
    live = subject.live()
    selector = dig(live, "spec", "selector")
    if live is None or not selector:
        return []  # no selector: endpoints are managed by hand (or the check above explains)
    endpoints = subject.get("v1", "Endpoints", subject.node.name, subject.namespace)
    ready = _addresses(endpoints, "addresses")
    not_ready = _addresses(endpoints, "notReadyAddresses")
    evidence: dict[str, Any] = {
        "selector": selector,
        "ready": ready,
        "not_ready": not_ready,
        "ports": [
            p for s in as_list((endpoints or {}).get("subsets")) for p in as_list(s.get("ports"))
        ],
    }
    if ready:
        return [passed("service.endpoints", f"{len(ready)} ready endpoint(s)", **evidence)]
    if not_ready:
        return [
            warn(
                "service.endpoints",
                f"0/{len(not_ready)} endpoints ready: the selected "
                "pods are not ready (see the workload's diagnostics)",
                **evidence,
            )
        ]
    if subject.topology.targets(subject.node_id):
        return [
            error(
                "service.endpoints",
                "selects no running pods: the connected workload has none (see its diagnostics)",
                **evidence,
            )
        ]
    fix, advice = _no_workload_advice(subject)
    return [error("service.endpoints", f"its selector matches no pods: {advice}", fix, **evidence)]


def _container_ports(data: Mapping[str, Any]) -> tuple[set[int], set[str]]:
    numbers = {int(data["port"])} if "port" in data else set()
    names = set()
    for item in data.get("ports") or []:
        numbers.add(int(item["containerPort"]))
        if "name" in item:
            names.add(str(item["name"]))
    return numbers, names


def _service_ports(subject: Subject) -> list[tuple[tuple[str | int, ...], Any]]:
    """(path below data, explicit targetPort) of each Service port that sets one."""
    data = subject.data
    if data.get("ports"):
        return [
            (("ports", i, "targetPort"), item["targetPort"])
            for i, item in enumerate(data["ports"])
            if "targetPort" in item
        ]
    return [(("targetPort",), data["targetPort"])] if "targetPort" in data else []


@register("service", live=False)
def target_port(subject: Subject) -> list[Check]:
    workloads = subject.topology.targets(subject.node_id)
    if not workloads:
        return []
    workload = workloads[0]
    numbers, names = _container_ports(workload.data)
    evidence: dict[str, Any] = {
        "workload": workload.id,
        "container_ports": sorted(numbers),
        "container_port_names": sorted(names),
        "target_ports": [target for _, target in _service_ports(subject)],
    }
    if not numbers:
        return [
            warn(
                "service.target-port",
                f"{workload.name!r} declares no container port; "
                "the Service forwards to its own port",
                **evidence,
            )
        ]
    wrong = [(path, t) for path, t in _service_ports(subject) if t not in numbers | names]
    if not wrong:
        return [
            passed("service.target-port", "forwards to a port the containers declare", **evidence)
        ]
    port = primary_port(workload.data)
    raw = subject.raw_data()
    ops = tuple(
        PatchOp(node_path(subject.node_id, *path), _raw_at(raw, path), port) for path, _ in wrong
    )
    fix = Fix(
        "service.target-port",
        f"forward to port {port}, the container port of {workload.name!r}",
        ops,
    )
    shown = ", ".join(str(t) for _, t in wrong)
    return [
        error(
            "service.target-port",
            f"targetPort {shown} is not a port of "
            f"{workload.name!r} (it listens on {sorted(numbers)}): connections fail",
            fix,
            **evidence,
        )
    ]


def _raw_at(raw: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = raw
    for key in path:
        value = value[key]
    return value
