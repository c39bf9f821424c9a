"""Plain value types returned by the cluster adapter.

They hold JSON-like dicts (exactly what the API server sent) rather than the generated
kubernetes models, so callers can store them, diff them and send them to the browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KubeObject = dict[str, Any]
# Aliases keep annotations readable inside ClusterClient, whose `list` method shadows the builtin.
ObjectList = list[KubeObject]


@dataclass(frozen=True)
class ObjectRef:
    """Identifies one object; its str() is how error messages name it."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def of(cls, obj: KubeObject) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(
            api_version=str(obj.get("apiVersion") or ""),
            kind=str(obj.get("kind") or ""),
            name=str(metadata.get("name") or ""),
            namespace=metadata.get("namespace") or None,
        )

    def __str__(self) -> str:
        where = f" in ns {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name}{where}"


@dataclass(frozen=True)
class ApplyResult:
    object: KubeObject
    changed: bool  # created, or the server stored a new resourceVersion
    created: bool


@dataclass(frozen=True)
class StorageClassInfo:
    name: str
    default: bool
    provisioner: str = ""


@dataclass(frozen=True)
class ClusterInfo:
    server_version: str
    # None when the credentials may not list nodes (common for namespace-scoped tokens).
    node_count: int | None
    namespaces: list[str]
    storage_classes: list[StorageClassInfo]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED
    object: KubeObject
    # True for events made up after a 410 Gone relist, not sent by the server.
    synthetic: bool = False


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ObjectDiff:
    action: str  # create | update | unchanged
    changes: list[FieldChange]
    desired: KubeObject  # what the server says the object would become (dry run)
    live: KubeObject | None

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "changes": [c.to_dict() for c in self.changes]}
