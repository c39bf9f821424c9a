"""/api/deployments through the API with the personas: begin, read, transitions, the error
shape, and the rule for duplicate and late callbacks."""

import pytest

from deployments.models import Attempt, Deployment, Event
from tests.deployment_records.helpers import deploy_ready, move, move_attempt

pytestmark = pytest.mark.django_db


def test_begin_creates_an_in_progress_deployment_with_a_pending_attempt(begin, cluster):
    response = begin("artifact:7")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "in_progress" and body["phase"] == "preparing"
    assert body["version"] is None, "no sentinel: an unknown version is null"
    assert body["cluster"] == cluster.pk and body["namespace"] == "shop"
    assert [(a["number"], a["status"]) for a in body["attempts"]] == [(1, "pending")]


def test_second_begin_is_409_naming_the_holder_and_writes_nothing(begin, as_bob):
    holder = begin("artifact:7").json()
    rows = (Deployment.objects.count(), Attempt.objects.count())
    response = begin("artifact:7", client=as_bob)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "attempt_in_progress"
    assert body["holder"]["id"] == holder["id"] and str(holder["id"]) in body["message"]
    assert (Deployment.objects.count(), Attempt.objects.count()) == rows


def test_the_lock_is_per_target_and_cluster_and_released_when_finished(as_alice, begin):
    first = begin("artifact:7").json()
    assert begin("artifact:8").status_code == 201, "another target is not locked"
    assert move(as_alice, first["id"], to="cancelled").status_code == 200
    assert begin("artifact:7").status_code == 201, "a finished deployment holds nothing"


def test_full_rollout_and_supersede(as_alice, begin):
    first = begin("artifact:7").json()["id"]
    for phase in ("building", "pushing"):
        assert move(as_alice, first, phase=phase).json()["phase"] == phase
    deploy_ready(as_alice, first)
    response = move(as_alice, first, to="active", version="1.0.0")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["phase"], body["version"], body["changed"]) == (
        "active", "activating", "1.0.0", True)

    second = begin("artifact:7", version="1.1.0").json()["id"]
    deploy_ready(as_alice, second)
    assert move(as_alice, second, to="active").json()["status"] == "active"
    assert Deployment.objects.get(pk=first).status == "succeeded", "superseded"


def test_activate_without_version_is_409_naming_the_field(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    deploy_ready(as_alice, deployment)
    response = move(as_alice, deployment, to="active")
    assert response.status_code == 409
    assert response.json()["code"] == "version_required"
    assert response.json()["field"] == "version"
    assert Deployment.objects.get(pk=deployment).status == "in_progress"


def test_activate_before_the_attempt_is_ready_is_409(as_alice, begin):
    deployment = begin("artifact:7", version="1").json()["id"]
    response = move(as_alice, deployment, to="active")
    assert response.status_code == 409 and response.json()["code"] == "attempt_not_ready"


def test_illegal_transitions_are_409_in_the_api_error_shape(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    response = move(as_alice, deployment, to="succeeded")
    assert response.status_code == 409
    body = response.json()
    assert set(body) >= {"code", "message"} and body["code"] == "illegal_transition"
    assert body["status"] == "in_progress" and body["to"] == "succeeded"

    assert move(as_alice, deployment, phase="pushing").status_code == 200
    back = move(as_alice, deployment, phase="building")
    assert back.status_code == 409 and "forward" in back.json()["message"]

    assert move(as_alice, deployment, to="cancelled").status_code == 200
    for to in ("in_progress", "active", "failed"):
        assert move(as_alice, deployment, to=to).status_code == 409
    assert move(as_alice, deployment, phase="activating").status_code == 409
    assert move(as_alice, deployment, version="2").status_code == 409


def test_duplicates_are_no_ops_and_late_callbacks_never_regress(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    deploy_ready(as_alice, deployment)
    events_before = Event.objects.count()
    again = move_attempt(as_alice, deployment, 1, to="ready", worker_id="w1")
    assert again.status_code == 200 and again.json()["changed"] is False
    late = move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    assert late.status_code == 409 and late.json()["code"] == "illegal_transition"
    stale = move_attempt(as_alice, deployment, 1, to="failed", expected_from="deploying")
    assert stale.status_code == 409 and stale.json()["status"] == "ready"
    assert Attempt.objects.get(deployment_id=deployment).status == "ready"
    assert Event.objects.count() == events_before, "nothing written, nothing emitted"

    move(as_alice, deployment, to="cancelled")
    dup = move(as_alice, deployment, to="cancelled", expected_from="in_progress")
    assert dup.status_code == 200 and dup.json()["changed"] is False


def test_only_the_lease_holder_reports_and_unknown_is_the_servers_word(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    other = move_attempt(as_alice, deployment, 1, to="ready", worker_id="w2")
    assert other.status_code == 409 and other.json()["code"] == "not_lease_holder"
    claim = move_attempt(as_alice, deployment, 1, to="unknown")
    assert claim.status_code == 400
    assert move_attempt(as_alice, deployment, 1, to="deploying").status_code == 400
    taken = move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w2")
    assert taken.status_code == 409 and taken.json()["worker_id"] == "w1"
    mine = move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    assert mine.status_code == 200 and mine.json()["changed"] is False


def test_cancelling_fails_open_attempts_and_a_retry_needs_closed_ones(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    busy = as_alice.post(f"/api/deployments/{deployment}/attempts")
    assert busy.status_code == 409 and busy.json()["holder"]["number"] == 1
    move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    move_attempt(as_alice, deployment, 1, to="failed", worker_id="w1", error="image pull")
    retry = as_alice.post(f"/api/deployments/{deployment}/attempts")
    assert retry.status_code == 201 and retry.json()["number"] == 2
    move(as_alice, deployment, to="cancelled", error="user stopped it")
    attempts = Attempt.objects.filter(deployment_id=deployment).order_by("number")
    assert [(a.status, a.error) for a in attempts] == [
        ("failed", "image pull"), ("failed", "user stopped it")]
    after = as_alice.post(f"/api/deployments/{deployment}/attempts")
    assert after.status_code == 409


def test_every_state_write_emits_state_transition_on_commit(
    as_alice, begin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deployment = begin("artifact:7").json()["id"]
        move(as_alice, deployment, phase="building")
        move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
        move_attempt(as_alice, deployment, 1, to="failed", worker_id="w1", error="boom")
        move(as_alice, deployment, to="failed", error="boom")
    events = Event.objects.filter(topic=f"deployment:{deployment}").order_by("id")
    assert {e.type for e in events} == {"state_transition"}
    moves = [(e.payload["record"], e.payload["from"], e.payload["to"]) for e in events]
    assert moves == [
        ("deployment", None, "in_progress"),
        ("attempt", None, "pending"),
        ("deployment", "in_progress", "in_progress"),
        ("attempt", "pending", "deploying"),
        ("attempt", "deploying", "failed"),
        ("deployment", "in_progress", "failed"),
    ]
    assert events[2].payload["phase_from"] == "preparing"
    assert events[2].payload["phase"] == "building"
    assert events.last().payload["error"] == "boom" and "at" in events.last().payload


def test_workflow_targets_must_be_workflows_of_the_team(as_alice, begin, team):
    from workflows.actions.workflows import create_workflow

    assert begin("workflow:999999").status_code == 400
    assert begin("not a target").json()["errors"][0]["path"] == "target"
    workflow = create_workflow(team.memberships.get(role="admin").user, team=team, name="shop")
    assert begin(f"workflow:{workflow.pk}").status_code == 201


# --- personas ------------------------------------------------------------------------------


def test_viewers_read_developers_write_outsiders_404_anonymous_401(
    begin, as_alice, as_bob, as_charlie, anonymous, bob, make_viewer
):
    deployment = begin("artifact:7").json()["id"]
    url = f"/api/deployments/{deployment}"
    assert as_bob.get(url).status_code == 200
    assert move(as_bob, deployment, phase="building").status_code == 200, "developer writes"

    make_viewer(bob)
    assert as_bob.get(url).status_code == 200, "viewers read"
    for response in (
        move(as_bob, deployment, phase="pushing"),
        as_bob.post(f"{url}/teardown", {}, format="json"),
        as_bob.post(f"{url}/reconcile"),
        move_attempt(as_bob, deployment, 1, to="deploying", worker_id="w"),
        begin("artifact:9", client=as_bob),
    ):
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied"

    assert as_charlie.get(url).status_code == 404
    assert move(as_charlie, deployment, to="cancelled").status_code == 404
    assert begin("artifact:9", client=as_charlie).status_code == 400, "cluster is not found"
    history = as_charlie.get("/api/deployments", {"target": "artifact:7", "cluster": 1})
    assert history.json()["results"] == []

    assert anonymous.get(url).status_code == 401
    assert anonymous.get("/api/deployments?target=artifact:7&cluster=1").status_code == 401


def test_deleting_a_cluster_takes_its_history_with_it(as_alice, begin, cluster):
    begin("artifact:7")
    response = as_alice.delete(f"/v1/api/clusters/{cluster.pk}")
    assert response.status_code == 204, response.json()
    assert not Deployment.objects.exists() and not Attempt.objects.exists()


def test_deleting_a_team_takes_its_records_with_it(alice, begin, team):
    from workflows.models import Team

    begin("artifact:7")
    Team.objects.filter(pk=team.pk).delete()
    assert not Deployment.objects.exists() and not Attempt.objects.exists()
