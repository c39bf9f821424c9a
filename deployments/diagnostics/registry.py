"""Node kind -> the checks that diagnose it, in the order the tab shows them.

A check function takes the Subject and returns its checks (usually one; none when it does
not apply). ``live`` checks read the cluster and are skipped when it cannot be reached;
the others only read the saved graph and always run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deployments.diagnostics.model import Check

if TYPE_CHECKING:
    from deployments.diagnostics.subject import Subject

CheckFn = Callable[["Subject"], list[Check]]

WORKLOADS = ("deployment", "statefulset", "daemonset", "job", "cronjob")
LONG_RUNNING = ("deployment", "statefulset", "daemonset")
ALL_KINDS = (
    *WORKLOADS,
    "service",
    "ingress",
    "configmap",
    "secret",
    "persistentvolumeclaim",
    "hpa",
    "networkpolicy",
)


@dataclass(frozen=True)
class Registered:
    fn: CheckFn
    live: bool


_CHECKS: dict[str, list[Registered]] = {}

# The order the tab shows families in: presence first, then causes from the bottom up
# (pods before the objects that route to them). Within a family, registration order.
FAMILIES = (
    "presence",
    "images",
    "configuration",
    "crashes",
    "scheduling",
    "readiness",
    "storage",
    "services",
    "ingress",
    "autoscaling",
    "netpol",
)


def _family_rank(item: Registered) -> int:
    family = item.fn.__module__.rpartition(".")[2]
    return FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)


def register(*kinds: str, live: bool = True) -> Callable[[CheckFn], CheckFn]:
    def decorator(fn: CheckFn) -> CheckFn:
        for kind in kinds:
            if kind not in ALL_KINDS:
                raise ValueError(f"{fn.__name__}: unknown node kind {kind!r}")
            _CHECKS.setdefault(kind, []).append(Registered(fn, live))
        return fn

    return decorator


def checks_for(kind: str) -> list[Registered]:
    return sorted(_CHECKS.get(kind, ()), key=_family_rank)
