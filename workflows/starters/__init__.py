"""Starter topologies offered when creating a workflow (``GET /v1/api/starters``).

One module per starter, each defining ``STARTER = {id, name, description, nodes, edges}``;
the tests check every starter against ``validate_graph`` and the Kubernetes schemas.
"""

from __future__ import annotations

import copy
from typing import Any

from workflows.starters import scheduled_job, static_site, web_postgres, worker_redis

__all__ = ["STARTERS", "get_starter", "list_starters"]

STARTERS: dict[str, dict[str, Any]] = {
    module.STARTER["id"]: module.STARTER
    for module in (web_postgres, worker_redis, scheduled_job, static_site)
}


def list_starters() -> list[dict[str, Any]]:
    """Copies: callers may edit what they get without changing the templates."""
    return [copy.deepcopy(starter) for starter in STARTERS.values()]


def get_starter(starter_id: str) -> dict[str, Any] | None:
    starter = STARTERS.get(starter_id)
    return copy.deepcopy(starter) if starter is not None else None
