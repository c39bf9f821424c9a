"""API helpers: create a workflow, run it to the end, read diagnostics, apply a fix."""

import time
import uuid
from collections.abc import Callable
from typing import Any


def create(client: Any, nodes: list, edges: list) -> dict:
    body = {
        "name": "diag",
        "namespace": f"diag-{uuid.uuid4().hex[:8]}",
        "nodes": nodes,
        "edges": edges,
    }
    response = client.post("/v1/api/workflows", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def save(client: Any, wid: int, nodes: list, edges: list) -> None:
    response = client.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": nodes, "edges": edges}, format="json"
    )
    assert response.status_code == 200, response.json()


def run(client: Any, wid: int, wait_for_run: Callable[..., dict]) -> dict:
    response = client.post(f"/v1/api/workflows/{wid}/run", {}, format="json")
    assert response.status_code == 202, response.json()
    return wait_for_run(response.json()["run_id"])


def diagnostics(client: Any, wid: int, node_id: str) -> dict:
    response = client.get(f"/v1/api/workflows/{wid}/nodes/{node_id}/diagnostics")
    assert response.status_code == 200, response.json()
    return response.json()


def check(report: dict, check_id: str) -> dict:
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert found, (check_id, [(c["id"], c["status"]) for c in report["checks"]])
    return found[0]


def wait_for_check(
    client: Any, wid: int, node_id: str, check_id: str, status: str, timeout: float = 15
) -> dict:
    """Cluster controllers act asynchronously: poll until the check reaches ``status``."""
    deadline = time.monotonic() + timeout
    while True:
        report = diagnostics(client, wid, node_id)
        found = [c for c in report["checks"] if c["id"] == check_id]
        if found and found[0]["status"] == status:
            return found[0]
        assert time.monotonic() < deadline, report
        time.sleep(0.2)


def apply(client: Any, wid: int, node_id: str, fix_id: str) -> dict:
    response = client.post(
        f"/v1/api/workflows/{wid}/nodes/{node_id}/diagnostics/fix",
        {"fix_id": fix_id},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def node_data(workflow: dict, node_id: str) -> dict:
    return next(n["data"] for n in workflow["nodes"] if n["id"] == node_id)
