"""Moves of deployment records through the API, as a worker or pipeline makes them."""

from typing import Any


def move(client: Any, deployment_id: int, **body: Any) -> Any:
    return client.post(f"/api/deployments/{deployment_id}/transition", body, format="json")


def move_attempt(client: Any, deployment_id: int, number: int, **body: Any) -> Any:
    return client.post(
        f"/api/deployments/{deployment_id}/attempts/{number}/transition", body, format="json"
    )


def deploy_ready(client: Any, deployment_id: int, number: int = 1, worker: str = "w1") -> None:
    """Take attempt `number` as `worker` and report it ready."""
    for to in ("deploying", "ready"):
        response = move_attempt(client, deployment_id, number, to=to, worker_id=worker)
        assert response.status_code == 200, response.json()
