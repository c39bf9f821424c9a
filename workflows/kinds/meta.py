"""Object metadata and the labels that tie rendered objects back to their workflow and node."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from workflows.kinds.base import FieldError, join_path
from workflows.kinds.context import RenderContext, ResolvedNode

NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "kubeorch"
WORKFLOW_LABEL = "kubeorch.io/workflow"
NODE_LABEL = "kubeorch.io/node"
NODE_ID_ANNOTATION = "kubeorch.io/node-id"

# Users may not set these: selectors and ownership tracking depend on them.
_RESERVED_LABEL_KEYS = frozenset({NAME_LABEL, MANAGED_BY_LABEL})
_RESERVED_PREFIX = "kubeorch.io/"

_LABEL_VALUE_MAX = 63
_NOT_LABEL_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def sanitize_label_value(raw: str) -> str:
    """A valid label value derived deterministically from any string.

    Invalid characters are dropped and the result trimmed to alphanumeric ends. When that
    changed the string, a short hash of the original is appended so that two ids differing
    only in dropped characters ("a/b" and "ab") still get different values.
    """
    cleaned = _NOT_LABEL_CHAR.sub("", raw)[:_LABEL_VALUE_MAX].strip("._-")
    if cleaned == raw:
        return cleaned
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    head = cleaned[: _LABEL_VALUE_MAX - len(digest) - 1].strip("._-")
    return f"{head}-{digest}" if head else digest


def bounded_name(name: str, limit: int = 63) -> str:
    """``name`` if it fits in ``limit`` characters, else a truncated form with a hash suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - len(digest) - 1].rstrip('-.')}-{digest}"


def selector_labels(node: ResolvedNode, ctx: RenderContext) -> dict[str, str]:
    """The labels a workload's pods are selected by.

    Deliberately excludes user labels: ``spec.selector`` is immutable on Deployments,
    StatefulSets and DaemonSets, so editing a label on the canvas must not change it.
    """
    return {NAME_LABEL: node.name, WORKFLOW_LABEL: sanitize_label_value(ctx.workflow_id)}


def object_labels(node: ResolvedNode, ctx: RenderContext) -> dict[str, str]:
    user: Mapping[str, str] = node.data.get("labels", {})
    return {
        **user,
        NAME_LABEL: node.name,
        MANAGED_BY_LABEL: MANAGED_BY,
        WORKFLOW_LABEL: sanitize_label_value(ctx.workflow_id),
        NODE_LABEL: sanitize_label_value(node.id),
    }


def object_meta(
    node: ResolvedNode, ctx: RenderContext, *, name: str | None = None
) -> dict[str, Any]:
    annotations: Mapping[str, str] = node.data.get("annotations", {})
    return {
        "name": name or node.name,
        "namespace": node.namespace,
        "labels": object_labels(node, ctx),
        "annotations": {**annotations, NODE_ID_ANNOTATION: node.id},
    }


def manifest(
    api_version: str, kind: str, node: ResolvedNode, ctx: RenderContext, **body: Any
) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": object_meta(node, ctx), **body}


def check_reserved_labels(data: Mapping[str, Any]) -> list[FieldError]:
    return [
        FieldError(join_path(["labels", key]), "is set by KubeOrch and cannot be overridden")
        for key in data.get("labels", {})
        if key in _RESERVED_LABEL_KEYS or key.startswith(_RESERVED_PREFIX)
    ]
