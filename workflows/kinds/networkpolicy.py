"""NetworkPolicy restricting traffic to and from the connected workloads.

Decision (several connected workloads): one NetworkPolicy object per node, never one per
edge, so a node maps to exactly one object. With one workload the podSelector is that
workload's selector labels; with several it selects this workflow's pods whose
``app.kubernetes.io/name`` is one of the workloads' names (matchExpressions ``In``).
An explicit ``podSelector`` replaces the edges; with neither, the node is invalid, because an
empty selector would silently apply the policy to every pod of the namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.meta import (
    NAME_LABEL,
    WORKFLOW_LABEL,
    check_reserved_labels,
    manifest,
    sanitize_label_value,
    selector_labels,
)

_IP_BLOCK = s.obj(
    {
        "cidr": s.formatted("cidr", "CIDR", "Address block, e.g. '10.0.0.0/8'."),
        "except": s.string_list("Except", "Blocks to exclude.",
                                {"type": "string", "format": "cidr"}),
    },
    required=["cidr"],
)

_PEER = s.obj(
    {
        "podSelector": s.labels("Pods", "Pods with these labels."),
        "namespaceSelector": s.labels("Namespaces", "Namespaces with these labels."),
        "ipBlock": {**_IP_BLOCK, "title": "IP block", "description": "Addresses."},
    },
    minProperties=1,
    title="Peer",
)

_PORT = s.obj(
    {
        "port": s.port_or_name("Port", "Port number or named port."),
        "endPort": s.port("End port", "Last port of a range starting at port."),
        "protocol": s.enum("Protocol", "Transport protocol.", ["TCP", "UDP", "SCTP"],
                           default="TCP"),
    },
)


def _rule(peers_key: str, description: str) -> s.Schema:
    return s.obj(
        {
            peers_key: s.array("Peers", f"{description}; empty allows all.", _PEER),
            "ports": s.array("Ports", "Allowed ports; empty allows all.", _PORT),
        },
        title="Rule",
    )


SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "podSelector": s.labels(
            "Pod selector", "Pods the policy applies to; default: the connected workloads."
        ),
        "policyTypes": s.array(
            "Policy types", "Directions restricted; default: Ingress, plus Egress when egress "
            "rules exist.", {"type": "string", "enum": ["Ingress", "Egress"]},
            minItems=1, uniqueItems=True,
        ),
        "ingress": s.array("Ingress rules", "Allowed incoming traffic.",
                           _rule("from", "Allowed sources")),
        "egress": s.array("Egress rules", "Allowed outgoing traffic.",
                          _rule("to", "Allowed destinations")),
    },
    required=["name"],
    frontend_keys=True,
)


def check_data(data: Mapping[str, Any]) -> list[FieldError]:
    errors = check_reserved_labels(data)
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(data.get(direction, [])):
            errors += [
                FieldError(f"{direction}[{i}].{peers_key}[{j}].ipBlock",
                           "cannot be combined with pod or namespace selectors in one peer")
                for j, peer in enumerate(rule.get(peers_key, []))
                if "ipBlock" in peer and len(peer) > 1
            ]
            errors += [
                FieldError(f"{direction}[{i}].ports[{j}].endPort",
                           "needs a numeric port not above it")
                for j, port in enumerate(rule.get("ports", []))
                if "endPort" in port
                and not (isinstance(port.get("port"), int) and port["port"] <= port["endPort"])
            ]
    return errors


def check_links(node: ResolvedNode, topology: Topology) -> list[FieldError]:
    if "podSelector" not in node.data and not topology.targets(node.id):
        return [FieldError("", "connect the NetworkPolicy to the workloads it protects, or "
                               "set podSelector")]
    return []


def pod_selector(node: ResolvedNode, ctx: RenderContext) -> dict[str, Any]:
    if "podSelector" in node.data:
        return {"matchLabels": dict(node.data["podSelector"])}
    workloads = ctx.topology.targets(node.id)
    if len(workloads) == 1:
        return {"matchLabels": selector_labels(workloads[0], ctx)}
    names = sorted({workload.name for workload in workloads})
    return {
        "matchLabels": {WORKFLOW_LABEL: sanitize_label_value(ctx.workflow_id)},
        "matchExpressions": [{"key": NAME_LABEL, "operator": "In", "values": names}],
    }


def _peer(peer: Mapping[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for key in ("podSelector", "namespaceSelector"):
        if key in peer:
            rendered[key] = {"matchLabels": dict(peer[key])}
    if "ipBlock" in peer:
        rendered["ipBlock"] = dict(peer["ipBlock"])
    return rendered


def _rules(rules: list[Mapping[str, Any]], peers_key: str) -> list[dict[str, Any]]:
    rendered = []
    for rule in rules:
        out: dict[str, Any] = {}
        if rule.get(peers_key):
            out[peers_key] = [_peer(peer) for peer in rule[peers_key]]
        if rule.get("ports"):
            out["ports"] = [dict(port) for port in rule["ports"]]
        rendered.append(out)
    return rendered


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    policy_types = data.get("policyTypes") or (
        ["Ingress", "Egress"] if data.get("egress") else ["Ingress"]
    )
    spec: dict[str, Any] = {"podSelector": pod_selector(node, ctx), "policyTypes": policy_types}
    if "ingress" in data:
        spec["ingress"] = _rules(data["ingress"], "from")
    if "egress" in data:
        spec["egress"] = _rules(data["egress"], "to")
    return [manifest("networking.k8s.io/v1", "NetworkPolicy", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="networkpolicy",
    label="NetworkPolicy",
    category="security",
    icon="shield",
    description="Allows only the listed traffic to and from the connected workloads.",
    schema=SCHEMA,
    targets=frozenset({"deployment", "statefulset", "daemonset"}),
    renderer=render,
    data_checker=check_data,
    link_checker=check_links,
)
