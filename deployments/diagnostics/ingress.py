"""Ingress: every backend Service exists with the routed port and ready endpoints; the
controller published an address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed, warn
from deployments.diagnostics.registry import register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import as_list, dig
from deployments.health.service import load_balancer_addresses


def _backends(ingress: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for rule in as_list(dig(ingress, "spec", "rules")):
        for path in as_list(dig(rule, "http", "paths")):
            service = dig(path, "backend", "service") or {}
            found.append(
                {
                    "path": path.get("path"),
                    "service": service.get("name"),
                    "port": dig(service, "port", "number"),
                }
            )
    return found


def _ready_count(endpoints: Mapping[str, Any] | None) -> int:
    return sum(len(as_list(s.get("addresses"))) for s in as_list((endpoints or {}).get("subsets")))


def _graph_service(subject: Subject, name: str) -> Any:
    return next((n for n in subject.topology.targets(subject.node_id) if n.name == name), None)


def _backend_check(subject: Subject, index: int, backend: dict[str, Any]) -> Check:
    name, port = backend["service"], backend["port"]
    service = subject.get("v1", "Service", name, subject.namespace)
    evidence = {"path": backend["path"], "service": name, "port": port}
    if service is None:
        in_graph = _graph_service(subject, name) is not None
        advice = (
            "it is in the graph: run the workflow to create it"
            if in_graph
            else "connect the Service node this Ingress should route to"
        )
        return error(
            "ingress.backend",
            f"backend Service {name!r} is not in the cluster: {advice}",
            **evidence,
        )
    ports = [p.get("port") for p in as_list(dig(service, "spec", "ports"))]
    if port not in ports:
        return error(
            "ingress.backend",
            f"Service {name!r} has no port {port} (ports {ports})",
            _port_fix(subject, index, backend, ports),
            service_ports=ports,
            **evidence,
        )
    ready = _ready_count(subject.get("v1", "Endpoints", name, subject.namespace))
    if not ready:
        return warn(
            "ingress.backend",
            f"Service {name!r} has no ready endpoints: requests to "
            f"{backend['path']} fail (see the Service's diagnostics)",
            ready_endpoints=0,
            **evidence,
        )
    return passed(
        "ingress.backend",
        f"{backend['path']} -> {name}:{port} ({ready} ready endpoint(s))",
        ready_endpoints=ready,
        **evidence,
    )


def _port_fix(subject: Subject, index: int, backend: dict[str, Any], ports: list) -> Fix | None:
    raw_paths = subject.raw_data().get("paths") or []
    if len(ports) != 1 or index >= len(raw_paths) or "port" not in raw_paths[index]:
        return None  # the port comes from the Service node itself, or is ambiguous
    return Fix(
        "ingress.backend-port",
        f"route {backend['path']} to port {ports[0]}, the Service's only port",
        (PatchOp(node_path(subject.node_id, "paths", index, "port"), backend["port"], ports[0]),),
    )


@register("ingress")
def backends(subject: Subject) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    # Rules render one entry per path, in node order, so indexes match data.paths.
    return [_backend_check(subject, i, b) for i, b in enumerate(_backends(live))]


@register("ingress")
def address(subject: Subject) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    addresses = load_balancer_addresses(live)
    if addresses:
        return [
            passed("ingress.address", f"published at {', '.join(addresses)}", addresses=addresses)
        ]
    return [
        warn(
            "ingress.address",
            "no address yet: the ingress controller has not admitted "
            "it (is an ingress controller installed and the class right?)",
            ingress_class=dig(live, "spec", "ingressClassName"),
        )
    ]
