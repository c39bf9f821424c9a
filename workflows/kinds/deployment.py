"""Deployment: stateless replicated pods."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.meta import manifest, selector_labels
from workflows.kinds.podspec import (
    check_mount_paths,
    check_workload,
    pod_template,
    workload_properties,
)

REPLICAS = s.integer("Replicas", "Number of pods to run.", minimum=0, default=1)

SCHEMA = s.obj(
    workload_properties(
        default_port=80,
        replicas=REPLICAS,
        strategy=s.enum(
            "Update strategy",
            "RollingUpdate replaces pods gradually; Recreate stops all pods first.",
            ["RollingUpdate", "Recreate"],
            default="RollingUpdate",
        ),
    ),
    required=["name", "image"],
    frontend_keys=True,
)


def replicas_unless_autoscaled(node: ResolvedNode, ctx: RenderContext) -> dict[str, int]:
    """``{"replicas": n}``, or nothing when an HPA scales the workload: re-applying a fixed
    count would reset the HPA's choice on every deployment."""
    if ctx.topology.sources(node.id, ["hpa"]):
        return {}
    return {"replicas": int(node.data["replicas"])}


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    spec = {
        **replicas_unless_autoscaled(node, ctx),
        "selector": {"matchLabels": selector_labels(node, ctx)},
        "strategy": {"type": data["strategy"]},
        "template": pod_template(node, ctx),
    }
    return [manifest("apps/v1", "Deployment", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="deployment",
    label="Deployment",
    category="workloads",
    icon="box",
    description="Runs a set of identical, stateless pods and rolls out new versions.",
    schema=SCHEMA,
    targets=frozenset(),
    renderer=render,
    data_checker=check_workload,
    link_checker=check_mount_paths,
)
