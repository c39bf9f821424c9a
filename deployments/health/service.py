"""Service health: load-balancer address and, when endpoints are supplied, ready backends.

Endpoint choice: a Service that routes to nothing is the classic silent failure (a typo in
the selector), and a green node would lie about it. So when the caller passes the
Service's EndpointSlices (or legacy Endpoints) in ``related``:
  * no endpoints at all            -> DEGRADED "selects no pods"
  * endpoints exist, none ready    -> PROGRESSING (pods exist but are still starting)
Services without a selector manage their endpoints by hand and are not judged this way.
Without endpoint objects the check is skipped: absence of data is not absence of pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fields import as_list, as_map, dig, name_of, spec, status
from .model import Context, Health, degraded, healthy, progressing
from .registry import register

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class EndpointCounts:
    ready: int
    not_ready: int


def _ports(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    ports = []
    for port in as_list(spec(obj).get("ports")):
        port = as_map(port)
        ports.append(
            {
                "name": port.get("name"),
                "port": port.get("port"),
                "target_port": port.get("targetPort", port.get("port")),
                "protocol": port.get("protocol") or "TCP",
                "node_port": port.get("nodePort"),
            }
        )
    return ports


def load_balancer_addresses(obj: Mapping[str, Any]) -> list[str]:
    """IPs or hostnames published in status.loadBalancer.ingress (Services and Ingresses)."""
    entries = as_list(dig(status(obj), "loadBalancer", "ingress"))
    return [
        str(e.get("ip") or e.get("hostname"))
        for e in map(as_map, entries)
        if e.get("ip") or e.get("hostname")
    ]


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    sp = spec(obj)
    return {
        "type": sp.get("type") or "ClusterIP",
        "cluster_ip": sp.get("clusterIP"),
        "cluster_ips": as_list(sp.get("clusterIPs")),
        "external_ips": as_list(sp.get("externalIPs")),
        "external_name": sp.get("externalName"),
        "ports": _ports(obj),
        "selector": dict(as_map(sp.get("selector"))),
        "load_balancer_addresses": load_balancer_addresses(obj),
    }


def _same_namespace(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    ns_a, ns_b = dig(a, "metadata", "namespace"), dig(b, "metadata", "namespace")
    return ns_a is None or ns_b is None or ns_a == ns_b


def _count_slices(slices: list[dict[str, Any]]) -> EndpointCounts:
    ready = not_ready = 0
    for endpoint in (as_map(e) for s in slices for e in as_list(s.get("endpoints"))):
        # The API says an unset ready condition is to be read as ready.
        if dig(endpoint, "conditions", "ready") is False:
            not_ready += 1
        else:
            ready += 1
    return EndpointCounts(ready, not_ready)


def _count_endpoints(endpoints: list[dict[str, Any]]) -> EndpointCounts:
    subsets = [as_map(s) for e in endpoints for s in as_list(e.get("subsets"))]
    return EndpointCounts(
        ready=sum(len(as_list(s.get("addresses"))) for s in subsets),
        not_ready=sum(len(as_list(s.get("notReadyAddresses"))) for s in subsets),
    )


def endpoint_counts(obj: Mapping[str, Any], ctx: Context) -> EndpointCounts | None:
    """Ready/not-ready backends from the supplied objects; ``None`` when none were supplied."""
    name = name_of(obj)
    slices = [
        s
        for s in ctx.related_of_kind("EndpointSlice")
        if dig(s, "metadata", "labels", SERVICE_NAME_LABEL) == name and _same_namespace(s, obj)
    ]
    if slices:
        return _count_slices(slices)
    endpoints = [
        e
        for e in ctx.related_of_kind("Endpoints")
        if name_of(e) == name and _same_namespace(e, obj)
    ]
    return _count_endpoints(endpoints) if endpoints else None


def _selector_text(selector: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={value}" for key, value in selector.items())


def _summary(d: dict[str, Any]) -> str:
    ports = ", ".join(f"{p['port']}/{p['protocol']}" for p in d["ports"])
    where = ", ".join(d["load_balancer_addresses"]) or d["cluster_ip"] or "no cluster IP"
    return f"{d['type']} {where}" + (f" ports {ports}" if ports else "")


@register("Service", "")
def assess_service(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    if d["type"] == "ExternalName":
        return healthy(f"ExternalName alias for {d['external_name']}", **d)
    counts = endpoint_counts(obj, ctx) if d["selector"] else None
    if counts is not None:
        d.update(ready_endpoints=counts.ready, not_ready_endpoints=counts.not_ready)
    # Checked before the load balancer: a wrong selector is the error that will not go away.
    if counts is not None and counts.ready == 0 and counts.not_ready == 0:
        return degraded(f"selects no pods (selector {_selector_text(d['selector'])})", **d)
    needs_address = d["type"] == "LoadBalancer" and ctx.options.service_lb_requires_address
    if needs_address and not d["load_balancer_addresses"]:
        return progressing("waiting for the load balancer to get an address", **d)
    if counts is not None and counts.ready == 0:
        return progressing(f"0/{counts.not_ready} endpoints ready", **d)
    return healthy(_summary(d), **d)
