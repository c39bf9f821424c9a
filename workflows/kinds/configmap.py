"""ConfigMap: configuration files or variables consumed by connected workloads."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.meta import check_reserved_labels, manifest

CONSUMERS = frozenset({"deployment", "statefulset", "daemonset", "job", "cronjob"})


def consumption_properties(default_mount_path: str, noun: str) -> s.Schema:
    """How connected workloads consume a ConfigMap or Secret (shared with secret.py)."""
    return {
        "mountPath": s.formatted(
            "http-path", "Mount path", f"Directory where each key of the {noun} appears as a "
            "file in connected workloads.", default=default_mount_path,
        ),
        "mount": s.boolean("Mount as files", f"Mount the {noun} as a volume.", default=True),
        "envFrom": s.boolean(
            "Expose as env", f"Expose every key of the {noun} as an environment variable.",
            default=False,
        ),
    }


SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "data": s.string_map("Data", "Keys and their text values.", key_format="config-key"),
        "immutable": s.boolean("Immutable", "Forbid changes after creation."),
        **consumption_properties("/etc/config", "ConfigMap"),
    },
    required=["name"],
    frontend_keys=True,
)


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"data": dict(node.data.get("data", {}))}
    if "immutable" in node.data:
        body["immutable"] = node.data["immutable"]
    return [manifest("v1", "ConfigMap", node, ctx, **body)]


KIND = NodeKind(
    type_id="configmap",
    label="ConfigMap",
    category="config",
    icon="file-cog",
    description="Non-secret configuration mounted as files or exposed as environment "
    "variables in connected workloads.",
    schema=SCHEMA,
    targets=CONSUMERS,
    renderer=render,
    data_checker=check_reserved_labels,
)
