"""200 concurrent updates of one artifact (PostgreSQL): every request is accepted with its own
revision number, and in the end only the newest runs; every other revision was superseded."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connections

from deployments.models.artifacts import ArtifactRevision
from tests.artifacts.conftest import STATIC_SITE
from tests.conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)
UPDATES = 200


def test_200_concurrent_updates_leave_exactly_the_newest_running(alice, pipeline, settings,
                                                                 deploy, wait_artifact):
    # The real debounce: a burst within it builds only its newest revision.
    settings.KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS = 5
    artifact_id = deploy("hot", STATIC_SITE)["artifact_id"]
    barrier = Barrier(UPDATES)

    def update(n: int) -> tuple[int, dict]:
        client = token_client(alice)
        files = {"index.html": f"<h1>update {n}</h1>"}
        barrier.wait()
        try:
            response = client.put(f"/api/artifacts/{artifact_id}", {"files": files},
                                  format="json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=UPDATES) as pool:
        results = list(pool.map(update, range(UPDATES)))
    codes = sorted({code for code, _ in results})
    assert codes == [202], [body for code, body in results if code != 202][:3]
    numbers = sorted(body["revision"] for _, body in results)
    assert numbers == list(range(2, UPDATES + 2)), "unique and gap-free"

    newest = UPDATES + 1
    final = wait_artifact(artifact_id, revision=newest, timeout=120)
    assert final["status"] == "running", final["error"]
    assert final["serving_revision"] == newest
    revisions = ArtifactRevision.objects.filter(artifact_id=artifact_id)
    assert revisions.count() == newest
    assert list(revisions.filter(status="running").values_list("number", flat=True)) == [newest]
    others = revisions.exclude(number=newest)
    assert set(others.values_list("status", flat=True)) == {"cancelled"}
    assert all(reason.startswith("superseded by revision")
               for reason in others.values_list("reason", flat=True))
    assert not revisions.filter(status__in=["pending", "building", "built"]).exists()
