"""Deployment history page latency at 1,000 and at 1,000,000 deployment rows (goal: the 1M p50
within 1.5x of the 1k p50, and p50 <= 20 ms).

Measures `GET /api/deployments?target=&cluster=[&cursor=]` through Django's test client (the
real view, serializer and permission checks: 3 queries) on PostgreSQL over one kept
connection, for the first page and for a page deep in the history (a cursor a third of the way
down). One target holds a tenth of the rows (100 at 1k, 100,000 at 1M); the rest belong to 99
other targets. Rows are generated inside PostgreSQL (INSERT ... SELECT generate_series), then
ANALYZEd.

    scripts/with-services .venv/bin/python bench/history.py
"""

import sys
from pathlib import Path

# `python bench/history.py` puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's `queue`: drop it, and import the bench package from the repository root.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import statistics  # noqa: E402
import time  # noqa: E402

from bench.harness import make_user_and_token, prepare, setup_django  # noqa: E402

SIZES = [1_000, 1_000_000]
TARGET = "artifact:0"
REPEAT = 300
GOAL_RATIO, GOAL_P50_MS = 1.5, 20.0

INSERT = """
INSERT INTO deployments_deployment
    (team_id, target, cluster_id, namespace, version, object_name, status, phase, error,
     created_at, updated_at, ended_at)
SELECT %(team)s,
       CASE WHEN g %% 10 = 0 THEN 'artifact:0' ELSE 'artifact:' || (g %% 99 + 1) END,
       %(cluster)s, 'prod', g::text, '', 'succeeded', 'activating', '',
       ts, ts, ts
FROM generate_series(%(start)s, %(stop)s) AS g,
     LATERAL (SELECT timestamptz '2026-01-01' + g * interval '10 millisecond' AS ts) AS t
"""


def fill(team_id: int, cluster_id: int, start: int, stop: int) -> float:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(INSERT, {"team": team_id, "cluster": cluster_id, "start": start,
                                "stop": stop})
        cursor.execute("ANALYZE deployments_deployment")
    return time.perf_counter() - began


def deep_cursor(cluster_id: int) -> str:
    """The cursor of the row a third of the way down the target's history."""
    from deployments.models import Deployment
    from deployments.records.history import encode_cursor

    rows = Deployment.objects.filter(target=TARGET, cluster_id=cluster_id)
    middle = rows.order_by("-created_at", "-id")[rows.count() // 3]
    return encode_cursor(middle)


def measure(client: object, url: str) -> float:
    """p50 in ms of REPEAT requests, after a warm-up."""
    for _ in range(20):
        response = client.get(url)  # type: ignore[attr-defined]
        assert response.status_code == 200, response.content[:300]
        assert len(response.json()["results"]) == 50
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def plan(cluster_id: int, cursor: str) -> str:
    from deployments.models import Deployment
    from deployments.records.history import page_query

    text = page_query(Deployment.objects.all(), TARGET, cluster_id, cursor).explain()
    return "index scan on deployment_history" if "deployment_history" in text else text


def main() -> None:
    stack = prepare("history", redis_db=3)
    try:
        setup_django(stack)
        run()
    finally:
        stack.close()


def keep_connection() -> None:
    """One database connection for the whole bench, as a connection pool gives a server: with
    CONN_MAX_AGE=0 every request would open a new one, a constant ~5 ms unrelated to rows."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


def run() -> None:
    from django.test import Client

    keep_connection()
    _user, token, team = make_user_and_token("bench")
    cluster = team.clusters.get()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    first_url = f"/api/deployments?target={TARGET}&cluster={cluster.pk}"
    results: dict[int, tuple[float, float]] = {}
    inserted = 0
    for size in SIZES:
        took = fill(team.pk, cluster.pk, inserted + 1, size)
        inserted = size
        cursor = deep_cursor(cluster.pk)
        first = measure(client, first_url)
        deep = measure(client, f"{first_url}&cursor={cursor}")
        results[size] = (first, deep)
        print(f"{size:>9,} rows (filled in {took:.1f} s; {plan(cluster.pk, cursor)}): "
              f"first page p50 {first:.2f} ms, deep page p50 {deep:.2f} ms")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    for label, index in (("first page", 0), ("deep page", 1)):
        ratio = large[index] / small[index]
        ok = ratio <= GOAL_RATIO and large[index] <= GOAL_P50_MS
        print(f"{label}: p50 {small[index]:.2f} ms at 1k, {large[index]:.2f} ms at 1M, "
              f"ratio {ratio:.2f}x (goal <= {GOAL_RATIO}x and <= {GOAL_P50_MS:.0f} ms: "
              f"{'met' if ok else 'NOT met'})")


if __name__ == "__main__":
    main()
