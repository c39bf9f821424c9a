"""Orphans: an expired worker lease makes an attempt unknown with evidence; an unknown attempt
blocks ending or tearing down the deployment until reconcile, unless force."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deployments.models import Attempt, Deployment
from deployments.records import expire_leases
from tests.deployment_records.helpers import deploy_ready, move, move_attempt

pytestmark = pytest.mark.django_db


def heartbeat(client, deployment_id, worker="w1"):
    return client.post(f"/api/deployments/{deployment_id}/attempts/1/heartbeat",
                       {"worker_id": worker}, format="json")


def lose_worker(client, begin, target="artifact:7") -> int:
    """Begin, let worker w1 take attempt 1 and heartbeat once, then let its lease expire."""
    deployment = begin(target).json()["id"]
    move_attempt(client, deployment, 1, to="deploying", worker_id="w1")
    assert heartbeat(client, deployment).status_code == 200
    expire_leases(now=timezone.now() + timedelta(hours=1))
    return deployment


def test_heartbeats_extend_the_lease(as_alice, begin):
    deployment = begin("artifact:7").json()["id"]
    move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    before = Attempt.objects.get(deployment_id=deployment).lease_expires_at
    response = heartbeat(as_alice, deployment)
    assert response.status_code == 200
    assert Attempt.objects.get(deployment_id=deployment).lease_expires_at > before
    assert expire_leases() == [], "a live lease is left alone"
    assert heartbeat(as_alice, deployment, "w2").json()["code"] == "lease_lost"


def test_an_expired_lease_makes_the_attempt_unknown_with_evidence(as_alice, begin):
    deployment = lose_worker(as_alice, begin)
    attempt = Attempt.objects.get(deployment_id=deployment)
    assert attempt.status == "unknown"
    lease = attempt.evidence["lease"]
    assert lease["worker_id"] == "w1"
    assert lease["last_heartbeat_at"] == attempt.heartbeat_at.isoformat()
    assert lease["lease_expired_at"] and lease["detected_at"]
    assert Deployment.objects.get(pk=deployment).status == "in_progress", "still holds the lock"
    again = expire_leases(now=timezone.now() + timedelta(hours=2))
    assert again == [], "expiry is idempotent"


def test_a_lost_worker_cannot_resurrect_its_attempt(as_alice, begin):
    deployment = lose_worker(as_alice, begin)
    refused = heartbeat(as_alice, deployment)
    assert refused.status_code == 409 and refused.json()["code"] == "lease_lost"
    assert refused.json()["status"] == "unknown"
    back = move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    assert back.status_code == 409
    # Its final word is still welcome: it knows better than the server's guess.
    late = move_attempt(as_alice, deployment, 1, to="ready", worker_id="w1")
    assert late.status_code == 200 and late.json()["status"] == "ready"
    assert late.json()["evidence"]["lease"]["worker_id"] == "w1", "evidence is kept"


def test_unknown_blocks_cancel_and_teardown_unless_forced(as_alice, begin, on_sandbox):
    deployment = lose_worker(as_alice, begin)
    cancel = move(as_alice, deployment, to="cancelled")
    assert cancel.status_code == 409 and cancel.json()["code"] == "attempt_unknown"
    url = f"/api/deployments/{deployment}/teardown"
    refused = as_alice.post(url, {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "attempt_unknown" and refused.json()["number"] == 1
    assert "force" in refused.json()["message"]
    assert Deployment.objects.get(pk=deployment).status == "in_progress"

    forced = as_alice.post(url, {"force": True}, format="json")
    assert forced.status_code == 200, forced.json()
    body = forced.json()
    assert body["status"] == "cancelled" and "forced" in body["error"]
    attempt = body["attempts"][0]
    assert attempt["status"] == "failed" and attempt["evidence"]["teardown"]["forced"] is True
    assert attempt["evidence"]["lease"]["worker_id"] == "w1", "the lease evidence stays"
    assert begin("artifact:7").status_code == 201, "the lock is released"


def test_teardown_of_an_active_deployment_deletes_it_and_retires_it(
    as_alice, begin, on_sandbox, cluster
):
    from deployments.clusters import client_for

    deployment = begin("artifact:7", version="1", object_name="shop-web").json()["id"]
    client = client_for(cluster)
    client.ensure_namespace("shop")
    client.apply({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "shop-web", "namespace": "shop"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "shop-web"}},
                 "template": {"metadata": {"labels": {"app": "shop-web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    })
    deploy_ready(as_alice, deployment)
    move(as_alice, deployment, to="active")
    response = as_alice.post(f"/api/deployments/{deployment}/teardown", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "succeeded"
    assert client.get("apps/v1", "Deployment", "shop-web", "shop") is None
    again = as_alice.post(f"/api/deployments/{deployment}/teardown", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_beat_expires_leases(as_alice, begin, settings):
    import deployments.tasks  # noqa: F401  (what the worker's autodiscovery imports)
    from kubeorch.celery import app

    assert "deployments.expire_attempt_leases" in app.tasks
    schedule = settings.CELERY_BEAT_SCHEDULE["expire-attempt-leases"]
    assert schedule["task"] == "deployments.expire_attempt_leases"
    settings.KUBEORCH_ATTEMPT_LEASE_SECONDS = -1  # every lease is born expired
    deployment = begin("artifact:7").json()["id"]
    move_attempt(as_alice, deployment, 1, to="deploying", worker_id="w1")
    assert app.tasks["deployments.expire_attempt_leases"]() == 1
    assert Attempt.objects.get(deployment_id=deployment).status == "unknown"
