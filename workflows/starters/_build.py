"""Small builders that keep the starter modules readable."""

from __future__ import annotations

from typing import Any

# Same grid as the importer's layout: Ingress/HPA, Services, workloads, config and storage.
COLUMN_WIDTH = 320
ROW_HEIGHT = 160


def node(node_id: str, kind: str, column: int, row: float, **data: Any) -> dict[str, Any]:
    position = {"x": float(column * COLUMN_WIDTH), "y": float(row * ROW_HEIGHT)}
    return {"id": node_id, "type": kind, "position": position, "data": data}


def edge(source: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}->{target}", "source": source, "target": target}


def resources(cpu: str, memory: str, memory_limit: str) -> dict[str, Any]:
    """Requests sized for a small app; a memory limit, no CPU limit (throttling hurts)."""
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory_limit}}
