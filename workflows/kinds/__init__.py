"""The node-kind registry: every kind a topology node may have, and how kinds connect.

Edges point from the referring resource to the referenced workload (Ingress -> Service,
Service -> Deployment, ConfigMap -> Deployment...). ``EDGE_RULES`` is that table.
"""

from __future__ import annotations

from typing import Any

from workflows.kinds import (
    configmap,
    cronjob,
    daemonset,
    deployment,
    hpa,
    ingress,
    job,
    networkpolicy,
    persistentvolumeclaim,
    secret,
    service,
    statefulset,
)
from workflows.kinds.base import FieldError, NodeKind

__all__ = [
    "EDGE_RULES",
    "KINDS",
    "MAX_TARGETS",
    "FieldError",
    "NodeKind",
    "allowed_sources",
    "allowed_targets",
    "catalog",
    "get_kind",
]

KINDS: dict[str, NodeKind] = {
    module.KIND.type_id: module.KIND
    for module in (
        deployment,
        statefulset,
        daemonset,
        job,
        cronjob,
        service,
        ingress,
        configmap,
        secret,
        persistentvolumeclaim,
        hpa,
        networkpolicy,
    )
}

# source kind -> kinds it may point to.
EDGE_RULES: dict[str, frozenset[str]] = {type_id: kind.targets for type_id, kind in KINDS.items()}

# A Service selects exactly one workload's pods and an HPA scales exactly one workload.
MAX_TARGETS: dict[str, int] = {"service": 1, "hpa": 1}


def get_kind(type_id: object) -> NodeKind | None:
    return KINDS.get(type_id) if isinstance(type_id, str) else None


def allowed_sources(type_id: str) -> list[str]:
    """Kinds that may point to ``type_id``, in registry order."""
    return [source for source, targets in EDGE_RULES.items() if type_id in targets]


def allowed_targets(type_id: str) -> list[str]:
    """Kinds ``type_id`` may point to, in registry order (stable for messages and the UI)."""
    return [target for target in KINDS if target in EDGE_RULES.get(type_id, frozenset())]


def catalog() -> list[dict[str, Any]]:
    """Kind descriptions for ``GET /v1/api/templates``, in registry order."""
    return [
        {
            "kind": kind.type_id,
            "label": kind.label,
            "category": kind.category,
            "icon": kind.icon,
            "description": kind.description,
            "schema": kind.schema,
            "connections": {
                "targets": allowed_targets(kind.type_id),
                "sources": allowed_sources(kind.type_id),
            },
            "defaults": kind.defaults,
        }
        for kind in KINDS.values()
    ]
