"""Value types shared by every health assessor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    PROGRESSING = "progressing"
    DEGRADED = "degraded"
    MISSING = "missing"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Health:
    """The verdict shown on the canvas.

    ``details`` holds JSON-serialisable facts (replica counts, IPs, ports, reasons...) so the
    UI can explain the colour without re-reading the object. It never carries secret values.
    """

    status: HealthStatus
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": str(self.status), "message": self.message, "details": self.details}


@dataclass(frozen=True)
class HealthOptions:
    # Some ingress controllers (and bare-metal setups without MetalLB) never publish an
    # address; those users can opt out so their objects do not look stuck forever.
    ingress_requires_address: bool = True
    service_lb_requires_address: bool = True


@dataclass(frozen=True)
class Context:
    """Everything an assessor may look at besides the object itself (all already fetched)."""

    pods: Sequence[dict[str, Any]] = ()
    related: Sequence[dict[str, Any]] = ()
    options: HealthOptions = HealthOptions()

    def related_of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [item for item in self.related if item.get("kind") in kinds]


def healthy(message: str, **details: Any) -> Health:
    return Health(HealthStatus.HEALTHY, message, details)


def progressing(message: str, **details: Any) -> Health:
    return Health(HealthStatus.PROGRESSING, message, details)


def degraded(message: str, **details: Any) -> Health:
    return Health(HealthStatus.DEGRADED, message, details)


def suspended(message: str, **details: Any) -> Health:
    return Health(HealthStatus.SUSPENDED, message, details)


def unknown(message: str, **details: Any) -> Health:
    return Health(HealthStatus.UNKNOWN, message, details)
