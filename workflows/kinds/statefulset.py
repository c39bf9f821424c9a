"""StatefulSet: pods with stable identities, usually behind a headless Service."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.deployment import REPLICAS, replicas_unless_autoscaled
from workflows.kinds.meta import manifest, selector_labels
from workflows.kinds.podspec import (
    check_mount_paths,
    check_workload,
    pod_template,
    workload_properties,
)

SCHEMA = s.obj(
    workload_properties(
        default_port=80,
        replicas=REPLICAS,
        serviceName=s.formatted(
            "dns1035-label",
            "Service name",
            "Governing Service giving pods their DNS names. Defaults to the connected Service "
            "(a headless one preferred), else the StatefulSet's own name.",
        ),
        podManagementPolicy=s.enum(
            "Pod management",
            "OrderedReady starts pods one at a time; Parallel starts them together.",
            ["OrderedReady", "Parallel"],
            default="OrderedReady",
        ),
    ),
    required=["name", "image"],
    frontend_keys=True,
)


def governing_service_name(node: ResolvedNode, topology: Topology) -> str:
    if "serviceName" in node.data:
        return str(node.data["serviceName"])
    services = topology.sources(node.id, ["service"])
    headless = [svc for svc in services if svc.data.get("serviceType") == "Headless"]
    chosen = (headless or services or [node])[0]
    return chosen.name


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    spec = {
        "serviceName": governing_service_name(node, ctx.topology),
        **replicas_unless_autoscaled(node, ctx),
        "podManagementPolicy": data["podManagementPolicy"],
        "selector": {"matchLabels": selector_labels(node, ctx)},
        "template": pod_template(node, ctx),
    }
    return [manifest("apps/v1", "StatefulSet", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="statefulset",
    label="StatefulSet",
    category="workloads",
    icon="database",
    description="Runs pods with stable names and storage, started and updated in order.",
    schema=SCHEMA,
    targets=frozenset(),
    renderer=render,
    data_checker=check_workload,
    link_checker=check_mount_paths,
)
