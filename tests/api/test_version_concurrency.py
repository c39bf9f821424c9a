"""Version numbers stay unique and gap-free when many clients snapshot at once (PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.conftest import token_client
from workflows.models import WorkflowVersion

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_snapshots_are_gap_free(alice):
    client = token_client(alice)
    wid = client.post("/v1/api/workflows", {"name": "busy"}, format="json").json()["id"]

    def snapshot(i: int) -> int:
        try:
            response = token_client(alice).post(
                f"/v1/api/workflows/{wid}/versions", {"name": f"s{i}"}, format="json"
            )
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(snapshot, range(30)))
    assert codes == [201] * 30
    numbers = sorted(
        WorkflowVersion.objects.filter(workflow_id=wid).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 31))
