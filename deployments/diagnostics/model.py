"""Value types of a diagnosis: checks, fixes and the patches fixes are made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "error"]


@dataclass(frozen=True)
class PatchOp:
    """Set the value at ``path`` from ``old`` to ``new`` (``new`` None removes it).

    Paths address the saved graph: ``/nodes/{node id}/data/...`` (list items by index) and
    ``/edges/{edge id}``, each segment escaped as in RFC 6901 (``~0`` for ``~``, ``~1``
    for ``/``). ``old`` is what the diagnosis saw; applying refuses when the graph changed.
    """

    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Fix:
    id: str
    description: str
    patch: tuple[PatchOp, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "patch": [op.to_dict() for op in self.patch],
        }


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: Fix | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "evidence": self.evidence,
        }
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        return out


@dataclass(frozen=True)
class Report:
    node_id: str
    kind: str
    health: dict[str, Any]
    checks: list[Check]

    def fix(self, fix_id: str) -> tuple[Check, Fix] | None:
        for check in self.checks:
            if check.fix is not None and check.fix.id == fix_id:
                return check, check.fix
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "kind": self.kind,
            "health": self.health,
            "checks": [check.to_dict() for check in self.checks],
        }


def passed(check_id: str, message: str, **evidence: Any) -> Check:
    return Check(check_id, "pass", message, evidence)


def warn(check_id: str, message: str, fix: Fix | None = None, **evidence: Any) -> Check:
    return Check(check_id, "warn", message, evidence, fix)


def error(check_id: str, message: str, fix: Fix | None = None, **evidence: Any) -> Check:
    return Check(check_id, "error", message, evidence, fix)


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def node_path(node_id: str, *keys: str | int) -> str:
    """``/nodes/{id}/data/...`` for a node's data field."""
    return "/".join(["", "nodes", escape(node_id), "data", *(escape(str(k)) for k in keys)])


def edge_path(edge_id: str) -> str:
    return f"/edges/{escape(edge_id)}"
