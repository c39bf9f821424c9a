"""DaemonSet: one pod per (selected) node."""

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

SCHEMA = s.obj(
    workload_properties(
        default_port=80,
        updateStrategy=s.enum(
            "Update strategy",
            "RollingUpdate replaces pods node by node; OnDelete waits for manual deletion.",
            ["RollingUpdate", "OnDelete"],
            default="RollingUpdate",
        ),
    ),
    required=["name", "image"],
    frontend_keys=True,
)


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    spec = {
        "selector": {"matchLabels": selector_labels(node, ctx)},
        "updateStrategy": {"type": node.data["updateStrategy"]},
        "template": pod_template(node, ctx),
    }
    return [manifest("apps/v1", "DaemonSet", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="daemonset",
    label="DaemonSet",
    category="workloads",
    icon="server",
    description="Runs one pod on every node (or every node matching the node selector).",
    schema=SCHEMA,
    targets=frozenset(),
    renderer=render,
    data_checker=check_workload,
    link_checker=check_mount_paths,
)
