"""What this node looked like the last time it ran healthy (in a completed run): the honest
source of a revert.

A guess ("try :latest") can deploy something nobody tested; a version whose run left this
node healthy is known to work on this cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployments.health import HealthStatus
from deployments.models import NodeState, RunStatus
from workflows.models import Workflow

# Older healthy runs add nothing once the newest is found; bound the scan anyway.
MAX_STATES = 50


@dataclass(frozen=True)
class HealthyVersion:
    version: int
    run_id: int
    data: dict[str, Any]


def last_healthy(workflow: Workflow, node_id: str, kind: str) -> HealthyVersion | None:
    # Only completed runs count: a failed run's last recorded state of a node can read healthy
    # while that very version is what broke it (its old pods were still serving).
    states = (
        NodeState.objects.filter(
            run__workflow=workflow,
            run__status=RunStatus.COMPLETED,
            node_id=node_id,
            health=HealthStatus.HEALTHY,
        )
        .select_related("run__version")
        .order_by("-run__created_at", "-run_id")[:MAX_STATES]
    )
    for state in states:
        version = state.run.version
        for node in version.nodes or []:
            if node.get("id") == node_id and node.get("type") == kind:
                return HealthyVersion(version.number, state.run_id, dict(node.get("data") or {}))
    return None
