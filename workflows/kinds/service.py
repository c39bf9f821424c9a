"""Service: a stable address in front of one workload's pods.

Decision (Service without an edge): its selector comes from the connected workload; with no
connected workload it uses the explicit ``selector`` field if the user gave one, and otherwise
renders *without* a selector (a valid selector-less Service, for hand-managed EndpointSlices).
A selector guessed from the Service's own name would silently match nothing, or the wrong pods.
An explicit ``selector`` together with an edge is an error: the edge is the truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.meta import check_reserved_labels, manifest, selector_labels
from workflows.kinds.podspec import primary_port

SERVICE_TARGETS = frozenset({"deployment", "statefulset", "daemonset"})
_PROTOCOLS = ["TCP", "UDP", "SCTP"]

_PORT_ITEM = s.obj(
    {
        "name": s.formatted("port-name", "Name", "Port name; required with several ports."),
        "port": s.port("Port", "Port the Service exposes."),
        "targetPort": s.port_or_name("Target port", "Container port number or name."),
        "protocol": s.enum("Protocol", "Transport protocol.", _PROTOCOLS, default="TCP"),
        "nodePort": s.integer("Node port", "NodePort/LoadBalancer only.", minimum=30000,
                              maximum=32767),
    },
    required=["port"],
    title="Service port",
)

SCHEMA = s.obj(
    {
        **s.metadata_properties(name_format="dns1035-label"),
        "serviceType": s.enum(
            "Type",
            "ClusterIP: in-cluster address; NodePort/LoadBalancer: reachable from outside; "
            "Headless: per-pod DNS records, no virtual IP (for StatefulSets).",
            ["ClusterIP", "NodePort", "LoadBalancer", "Headless"],
            default="ClusterIP",
        ),
        "port": s.port("Port", "Port the Service exposes.", default=80),
        "targetPort": s.port_or_name(
            "Target port", "Container port to forward to; defaults to the workload's port."
        ),
        "protocol": s.enum("Protocol", "Transport protocol.", _PROTOCOLS, default="TCP"),
        "nodePort": s.integer("Node port", "Fixed node port (NodePort/LoadBalancer).",
                              minimum=30000, maximum=32767),
        "ports": s.array("Ports", "Several ports; replaces port/targetPort when set.",
                         _PORT_ITEM, minItems=1),
        "selector": s.labels(
            "Selector", "Only for a Service with no connected workload: pods to select."
        ),
        "sessionAffinity": s.enum("Session affinity", "Stick clients to one pod.",
                                  ["None", "ClientIP"]),
        "externalTrafficPolicy": s.enum(
            "External traffic policy", "Local keeps the client IP (NodePort/LoadBalancer).",
            ["Cluster", "Local"],
        ),
    },
    required=["name"],
    frontend_keys=True,
)


def check_data(data: Mapping[str, Any]) -> list[FieldError]:
    errors = check_reserved_labels(data)
    ports = data.get("ports", [])
    if len(ports) > 1:
        errors += [
            FieldError(f"ports[{i}].name", "is required when the Service has several ports")
            for i, item in enumerate(ports)
            if "name" not in item
        ]
    external = data["serviceType"] in ("NodePort", "LoadBalancer")
    node_port_paths = ["nodePort"] if "nodePort" in data else []
    node_port_paths += [f"ports[{i}].nodePort" for i, p in enumerate(ports) if "nodePort" in p]
    if not external:
        errors += [FieldError(path, "needs serviceType NodePort or LoadBalancer")
                   for path in node_port_paths]
    if "externalTrafficPolicy" in data and not external:
        errors.append(FieldError("externalTrafficPolicy",
                                 "needs serviceType NodePort or LoadBalancer"))
    return errors


def check_links(node: ResolvedNode, topology: Topology) -> list[FieldError]:
    workloads = topology.targets(node.id)
    if workloads and "selector" in node.data:
        return [FieldError("data.selector", "remove it: the selector comes from the connected "
                                            f"{workloads[0].type_id} {workloads[0].name!r}")]
    return []


def service_port(data: Mapping[str, Any]) -> int:
    """The port an Ingress reaches this Service on: the first exposed port."""
    ports = data.get("ports")
    return int(ports[0]["port"]) if ports else int(data["port"])


def _ports(data: Mapping[str, Any], workload: ResolvedNode | None) -> list[dict[str, Any]]:
    default_target = primary_port(workload.data) if workload else None
    items = data.get("ports") or [
        {key: data[key] for key in ("port", "targetPort", "protocol", "nodePort") if key in data}
    ]
    rendered = []
    for item in items:
        port: dict[str, Any] = {"name": item["name"]} if "name" in item else {}
        port["port"] = item["port"]
        port["targetPort"] = item.get("targetPort", default_target or item["port"])
        port["protocol"] = item.get("protocol", "TCP")
        if "nodePort" in item:
            port["nodePort"] = item["nodePort"]
        rendered.append(port)
    return rendered


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    workloads = ctx.topology.targets(node.id)
    workload = workloads[0] if workloads else None
    headless = data["serviceType"] == "Headless"
    spec: dict[str, Any] = {"type": "ClusterIP" if headless else data["serviceType"]}
    if headless:
        spec["clusterIP"] = "None"
    if workload is not None:
        spec["selector"] = selector_labels(workload, ctx)
    elif data.get("selector"):
        spec["selector"] = dict(data["selector"])
    spec["ports"] = _ports(data, workload)
    for key in ("sessionAffinity", "externalTrafficPolicy"):
        if key in data:
            spec[key] = data[key]
    return [manifest("v1", "Service", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="service",
    label="Service",
    category="networking",
    icon="network",
    description="Gives a workload's pods one stable name and port inside (or outside) the "
    "cluster.",
    schema=SCHEMA,
    targets=SERVICE_TARGETS,
    renderer=render,
    data_checker=check_data,
    link_checker=check_links,
)
