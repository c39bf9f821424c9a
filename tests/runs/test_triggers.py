"""Schedule, webhook and archive teardown, through the API, a real worker and the sandbox."""

import json
import uuid

import pytest
from django_celery_beat.models import PeriodicTask

from deployments.cluster import ConnectionSpec, connect
from deployments.tasks import run_scheduled
from deployments.triggers import signature
from tests.graphs import node
from tests.runs.graphs import all_kinds

pytestmark = pytest.mark.django_db(transaction=True)


def create(client, nodes, edges, **extra):
    body = {"name": "w", "namespace": f"trg-{uuid.uuid4().hex[:8]}", "nodes": nodes,
            "edges": edges, **extra}
    response = client.post("/v1/api/workflows", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_schedule_is_validated_and_synced_to_beat(as_alice):
    bad = as_alice.post("/v1/api/workflows", {"name": "w", "schedule": "every day"},
                        format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "schedule"
    workflow = create(as_alice, [], [], schedule="30 2 * * 1-5")
    task = PeriodicTask.objects.get(name=f"workflow-{workflow['id']}-schedule")
    assert task.task == "deployments.run_scheduled" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "2",
                                                                                 "1-5")
    as_alice.patch(f"/v1/api/workflows/{workflow['id']}", {"schedule": "@daily"}, format="json")
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("0", "0")
    as_alice.post(f"/v1/api/workflows/{workflow['id']}/archive")
    task.refresh_from_db()
    assert not task.enabled, "an archived workflow's schedule is paused"
    as_alice.post(f"/v1/api/workflows/{workflow['id']}/draft")
    task.refresh_from_db()
    assert task.enabled
    as_alice.patch(f"/v1/api/workflows/{workflow['id']}", {"schedule": ""}, format="json")
    assert not PeriodicTask.objects.filter(name=task.name).exists()


def test_scheduled_tick_starts_a_run(as_alice, engine, wait_for_run):
    workflow = create(as_alice, [node("c", "configmap", name="c", data={"a": "1"})], [],
                      schedule="*/5 * * * *")
    assert run_scheduled(workflow["id"]).startswith("run ")
    [run] = as_alice.get(f"/v1/api/workflows/{workflow['id']}/runs").json()["results"]
    assert run["triggered_by"] == "schedule"
    assert wait_for_run(run["id"])["status"] == "completed"


def test_webhook_signed_body_starts_a_run_and_a_bad_signature_nothing(
        as_alice, anonymous, engine, wait_for_run):
    workflow = create(as_alice, [node("c", "configmap", name="c", data={"a": "1"})], [])
    hook = as_alice.post(f"/v1/api/workflows/{workflow['id']}/webhook").json()
    path = hook["url"].split("testserver", 1)[1]
    body = json.dumps({"ref": "main", "sha": "abc123"}).encode()

    forged = anonymous.post(path, body, content_type="application/json",
                            HTTP_X_KUBEORCH_SIGNATURE=signature("wrong-secret", body))
    assert forged.status_code == 401 and forged.json()["code"] == "bad_signature"
    unsigned = anonymous.post(path, body, content_type="application/json")
    assert unsigned.status_code == 401
    assert as_alice.get(f"/v1/api/workflows/{workflow['id']}/runs").json()["count"] == 0

    signed = anonymous.post(path, body, content_type="application/json",
                            HTTP_X_KUBEORCH_SIGNATURE=signature(hook["secret"], body))
    assert signed.status_code == 202, signed.json()
    run = wait_for_run(signed.json()["run_id"])
    assert run["triggered_by"] == "webhook"
    assert run["trigger_data"] == {"ref": "main", "sha": "abc123"}
    assert run["status"] == "completed"
    assert as_alice.get(f"/v1/api/workflows/{workflow['id']}").json()["webhook_enabled"]
    assert hook["secret"] not in str(as_alice.get(f"/v1/api/workflows/{workflow['id']}").json())

    as_alice.delete(f"/v1/api/workflows/{workflow['id']}/webhook")
    gone = anonymous.post(path, body, content_type="application/json",
                          HTTP_X_KUBEORCH_SIGNATURE=signature(hook["secret"], body))
    assert gone.status_code == 404


def test_webhook_management_permissions(as_bob, as_charlie, alice, bob, team):
    from workflows.actions.workflows import create_workflow
    from workflows.models import Membership

    workflow = create_workflow(alice, team=team, name="w")
    assert as_charlie.post(f"/v1/api/workflows/{workflow.pk}/webhook").status_code == 404
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    assert as_bob.post(f"/v1/api/workflows/{workflow.pk}/webhook").status_code == 403
    Membership.objects.filter(team=team, user=bob).update(role="developer")
    assert as_bob.post(f"/v1/api/workflows/{workflow.pk}/webhook").status_code == 201


def test_archive_tears_down_everything_it_created(as_alice, engine, wait_for_run):
    nodes, edges = all_kinds()
    workflow = create(as_alice, nodes, edges)
    wid, namespace = workflow["id"], workflow["namespace"]
    run = wait_for_run(as_alice.post(f"/v1/api/workflows/{wid}/run", {}, format="json")
                       .json()["run_id"])
    assert run["status"] == "completed", run["error"]
    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    kinds = [("v1", "Secret"), ("networking.k8s.io/v1", "NetworkPolicy"),
             ("autoscaling/v2", "HorizontalPodAutoscaler"), ("apps/v1", "Deployment")]
    assert all(client.list(v, k, namespace=namespace) for v, k in kinds)

    assert as_alice.post(f"/v1/api/workflows/{wid}/archive").status_code == 200
    import time

    deadline = time.monotonic() + 30
    selector = f"kubeorch.io/workflow={wid}"
    while any(client.list(v, k, namespace=namespace, label_selector=selector) for v, k in kinds):
        assert time.monotonic() < deadline, "teardown did not finish"
        time.sleep(0.2)
    from deployments.models import Event

    torn = Event.objects.get(topic=f"workflow:{wid}", type="workflow.torn_down")
    deleted_kinds = {d["kind"] for d in torn.payload["deleted"]}
    assert {"Secret", "NetworkPolicy", "HorizontalPodAutoscaler", "Deployment", "Service",
            "Ingress", "ConfigMap", "PersistentVolumeClaim", "StatefulSet", "DaemonSet", "Job",
            "CronJob"} <= deleted_kinds


def test_archive_refused_while_a_run_is_active(as_alice, alice, on_sandbox, monkeypatch):
    monkeypatch.setattr("deployments.actions.runs.enqueue", lambda run_id, sealed: None)
    workflow = create(as_alice, [node("c", "configmap", name="c")], [])
    run_id = as_alice.post(f"/v1/api/workflows/{workflow['id']}/run", {},
                           format="json").json()["run_id"]
    response = as_alice.post(f"/v1/api/workflows/{workflow['id']}/archive")
    assert response.status_code == 409 and response.json()["active_run_id"] == run_id
