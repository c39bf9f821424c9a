"""20 clients start the same workflow at once: the database lets exactly one run through."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connections

from deployments.models import Run
from tests.conftest import token_client
from tests.graphs import node

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_starts_make_exactly_one_run(alice, on_sandbox, monkeypatch):
    # Keep every run queued so the race is decided by the start alone, not by a fast run.
    monkeypatch.setattr("deployments.actions.runs.enqueue", lambda run_id, sealed: None)
    workflow = token_client(alice).post(
        "/v1/api/workflows",
        {"name": "hot", "nodes": [node("c", "configmap", name="c")], "edges": []},
        format="json",
    ).json()
    barrier = Barrier(20)

    def start(_: int) -> tuple[int, dict]:
        client = token_client(alice)
        barrier.wait()
        try:
            response = client.post(f"/v1/api/workflows/{workflow['id']}/run", {}, format="json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(start, range(20)))
    codes = sorted(code for code, _ in results)
    assert codes == [202] + [409] * 19, codes
    [run] = Run.objects.filter(workflow_id=workflow["id"])
    conflicts = [body for code, body in results if code == 409]
    assert {body["code"] for body in conflicts} == {"run_in_progress"}
    assert {body["active_run_id"] for body in conflicts} == {run.pk}
    # Every loser rolled back: one version, one queued run, one run counted.
    refreshed = token_client(alice).get(f"/v1/api/workflows/{workflow['id']}").json()
    assert (refreshed["current_version"], refreshed["run_count"]) == (1, 1)
