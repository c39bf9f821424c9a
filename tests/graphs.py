"""Builders for canvas graphs used across tests."""

from typing import Any


def node(node_id: str, kind: str, x: float = 0, y: float = 0, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": y}, "data": data}


def edge(source: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}->{target}", "source": source, "target": target}


def web_app(image: str = "nginx:1.27", replicas: int = 2) -> tuple[list, list]:
    """Deployment + Service + ConfigMap, wired."""
    nodes = [
        node("web", "deployment", name="web", image=image, replicas=replicas, port=80),
        node("web-svc", "service", 0, 150, name="web", port=80),
        node("web-config", "configmap", 200, 0, name="web-config", data={"MODE": "demo"}),
    ]
    edges = [edge("web-svc", "web"), edge("web-config", "web")]
    return nodes, edges
