"""GET /api/deployments?target=&cluster=: newest first, keyset pages that neither skip nor
repeat under concurrent inserts, served by the `deployment_history` index (no full scan)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from deployments.models import Deployment
from deployments.records.history import encode_cursor, page_query

pytestmark = pytest.mark.django_db


def bulk(team, cluster, target: str, count: int, start: int = 0) -> None:
    rows = [
        Deployment(team=team, cluster=cluster, target=target, namespace="ns",
                   version=str(i), status="succeeded")
        for i in range(start, start + count)
    ]
    Deployment.objects.bulk_create(rows, batch_size=5000)


def test_pages_walk_the_history_newest_first_without_gaps(as_alice, team, cluster, begin):
    bulk(team, cluster, "artifact:1", 120)
    bulk(team, cluster, "artifact:2", 30)  # another target, never listed
    # Equal created_at for a whole batch: the id breaks ties, so nothing is skipped.
    Deployment.objects.filter(target="artifact:1", version__in=["40", "41", "42"]).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    seen, cursor, pages = [], None, 0
    while True:
        params = {"target": "artifact:1", "cluster": cluster.pk}
        if cursor:
            params["cursor"] = cursor
        body = as_alice.get("/api/deployments", params).json()
        pages += 1
        seen += body["results"]
        cursor = body["next"]
        if pages == 1:
            begin("artifact:1")  # a new row while paging: it must not shift later pages
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120
    assert len({d["id"] for d in seen}) == 120
    keys = [(d["created_at"], d["id"]) for d in seen]
    assert keys == sorted(keys, reverse=True)
    assert {d["target"] for d in seen} == {"artifact:1"}


def test_bad_queries_are_400_in_the_error_shape(as_alice, cluster):
    missing = as_alice.get("/api/deployments")
    assert missing.status_code == 400
    assert {e["path"] for e in missing.json()["errors"]} == {"target", "cluster"}
    for cursor in ("garbage", "!!", "MjAyNnwx", "eA"):
        response = as_alice.get(
            "/api/deployments", {"target": "a:1", "cluster": cluster.pk, "cursor": cursor}
        )
        assert response.status_code == 400, cursor
        assert response.json()["errors"][0]["path"] == "cursor"


def test_the_history_query_uses_the_index_not_a_scan(team, cluster):
    for n in range(20):
        bulk(team, cluster, f"artifact:{n}", 1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deployments_deployment")
    first = page_query(Deployment.objects.all(), "artifact:3", cluster.pk)
    last = Deployment.objects.filter(target="artifact:3").order_by("-created_at", "-id")[70]
    later = page_query(Deployment.objects.all(), "artifact:3", cluster.pk, encode_cursor(last))
    for query in (first, later):
        plan = query.explain()
        assert "deployment_history" in plan, plan
        assert "Seq Scan on deployments_deployment" not in plan, plan
        assert "Sort" not in plan.split("deployment_history")[0], "the index gives the order"
