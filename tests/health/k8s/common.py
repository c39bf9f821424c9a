"""Metadata, conditions and other pieces every builder shares."""

from __future__ import annotations

from typing import Any

NOW = "2025-03-01T10:00:00Z"
LABELS = {"app.kubernetes.io/name": "web"}


def counts(**counts: int | None) -> dict[str, int]:
    """Drop absent and zero counters the way the API server's omitempty does."""
    return {key: value for key, value in counts.items() if value}


def metadata(name: str, *, generation: int | None = 1, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "uid": f"uid-{name}",
        "resourceVersion": "48213",
        "creationTimestamp": "2025-03-01T09:00:00Z",
        "labels": dict(LABELS),
    }
    if generation is not None:
        meta["generation"] = generation
    meta.update(extra)
    return meta


def condition(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    found = {"type": type_, "status": status, "lastTransitionTime": NOW}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def pod_template(image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "metadata": {"labels": dict(LABELS)},
        "spec": {
            "containers": [{"name": "app", "image": image, "ports": [{"containerPort": 80}]}],
            "restartPolicy": "Always",
        },
    }


def simple(kind: str, api_version: str = "v1", **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": metadata(kind.lower(), generation=None),
        **fields,
    }
