"""Two (here twenty) deploy attempts raced directly for one target on PostgreSQL: exactly one
proceeds; every other gets 409 attempt_in_progress naming it, and leaves no record behind."""

import threading
from typing import Any

import pytest
from django.db import connections

from deployments.models import Attempt, Deployment, Event
from kubeorch.errors import Conflict
from tests.conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20


def race(work: Any) -> list[Any]:
    barrier = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # recorded and asserted on below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_racing_begins_through_the_api_one_wins_the_rest_409_and_write_nothing(
    alice, bob, team
):
    cluster = team.clusters.get(name="sandbox")
    users = [alice, bob]
    body = {"target": "artifact:42", "cluster": cluster.pk, "namespace": "shop"}

    def begin(index: int) -> Any:
        response = token_client(users[index % 2]).post("/api/deployments", body, format="json")
        return response.status_code, response.json()

    results = race(begin)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (RACERS - 1), results
    winner = next(body for status, body in results if status == 201)
    for status, body in results:
        if status == 409:
            assert body["code"] == "attempt_in_progress"
            assert body["holder"]["id"] == winner["id"], body
    assert list(Deployment.objects.values_list("pk", flat=True)) == [winner["id"]]
    assert Attempt.objects.count() == 1
    assert Event.objects.filter(topic=f"deployment:{winner['id']}").count() == 2
    assert Event.objects.filter(type="state_transition").count() == 2, "losers emit nothing"


def test_racing_the_authority_directly(alice, team):
    from deployments.records import begin_deployment

    cluster = team.clusters.get(name="sandbox")

    def begin(index: int) -> Any:
        return begin_deployment(alice, cluster, "artifact:7", "shop")

    results = race(begin)
    winners = [r for r in results if isinstance(r, Deployment)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == RACERS - 1, results
    assert {loser.code for loser in losers} == {"attempt_in_progress"}
    assert {loser.extra["holder"]["id"] for loser in losers} == {winners[0].pk}
    assert Deployment.objects.count() == 1 and Attempt.objects.count() == 1


def test_racing_callbacks_on_one_attempt_apply_once(alice, team):
    """Twenty workers report the same attempt: one takes it, the others are refused."""
    from deployments.records import begin_deployment, transition_attempt

    cluster = team.clusters.get(name="sandbox")
    deployment = begin_deployment(alice, cluster, "artifact:7", "shop")

    def take(index: int) -> Any:
        return transition_attempt(deployment.pk, 1, "deploying", worker_id=f"w{index}")

    results = race(take)
    applied = [r for r in results if not isinstance(r, Exception) and r.changed]
    assert len(applied) == 1, results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == RACERS - 1 and {c.code for c in refused} == {"not_lease_holder"}
    attempt = Attempt.objects.get(deployment=deployment)
    assert attempt.status == "deploying" and attempt.worker_id == applied[0].record.worker_id
    events = Event.objects.filter(topic=f"deployment:{deployment.pk}", payload__to="deploying")
    assert events.count() == 1
