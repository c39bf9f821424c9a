"""Runs through the API on a real worker and the sandbox: honest statuses, node health, logs,
events, prune, idempotence, and run-only secrets."""

import uuid

import pytest

from deployments.models import Event, Run
from tests.graphs import edge, node
from tests.runs.graphs import all_kinds

pytestmark = pytest.mark.django_db(transaction=True)


def namespace() -> str:
    return f"run-{uuid.uuid4().hex[:8]}"


def create(client, nodes, edges, **extra) -> dict:
    body = {"name": "shop", "namespace": namespace(), "nodes": nodes, "edges": edges, **extra}
    response = client.post("/v1/api/workflows", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def start(client, wid, trigger_data=None) -> int:
    response = client.post(
        f"/v1/api/workflows/{wid}/run", {"trigger_data": trigger_data or {}}, format="json"
    )
    assert response.status_code == 202, response.json()
    return response.json()["run_id"]


def test_all_twelve_kinds_run_healthy(as_alice, engine, wait_for_run):
    nodes, edges = all_kinds()
    workflow = create(as_alice, nodes, edges)
    run_id = start(
        as_alice,
        workflow["id"],
        {
            "note": "first deploy",
            "secrets": {"creds": {"DB_PASSWORD": "pw-never-stored"}},
        },
    )
    run = wait_for_run(run_id)
    assert run["status"] == "completed", (run["error"], run["node_states"])
    assert run["version"] == 1 and run["duration_ms"] > 0
    states = {s["node_id"]: s for s in run["node_states"]}
    assert set(states) == {n["id"] for n in nodes}
    assert {s["health"] for s in states.values()} == {"healthy"}, states
    assert states["web"]["details"]["ready_replicas"] == 2
    assert any(
        "Deployment" in line["message"] and "created" in line["message"] for line in run["logs"]
    )
    assert run["trigger_data"] == {"note": "first deploy", "secrets": {"creds": ["DB_PASSWORD"]}}
    assert "pw-never-stored" not in str(run)
    assert not Event.objects.filter(payload__icontains="pw-never-stored").exists()

    workflow = as_alice.get(f"/v1/api/workflows/{workflow['id']}").json()
    assert workflow["status"] == "published", "running a draft publishes it"
    assert (workflow["run_count"], workflow["success_count"]) == (1, 1)
    statuses = [
        e.payload["status"]
        for e in Event.objects.filter(
            topic=f"workflow:{workflow['id']}", type="run.status_changed"
        ).order_by("id")
    ]
    assert statuses == ["queued", "running", "completed"]


def test_rerun_is_idempotent_and_prunes_removed_nodes(as_alice, engine, wait_for_run):
    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27"),
        node("svc", "service", name="web"),
        node("cfg", "configmap", name="old-config", data={"a": "1"}),
    ]
    edges = [edge("svc", "web"), edge("cfg", "web")]
    workflow = create(as_alice, nodes, edges)
    wid = workflow["id"]
    assert wait_for_run(start(as_alice, wid))["status"] == "completed"

    second = wait_for_run(start(as_alice, wid))
    assert second["status"] == "completed"
    assert any(
        "Deployment" in line["message"] and "unchanged" in line["message"]
        for line in second["logs"]
    ), second["logs"]

    as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": nodes[:2], "edges": edges[:1]}, format="json"
    )
    third = wait_for_run(start(as_alice, wid))
    assert third["status"] == "completed", third["error"]
    assert any("pruned ConfigMap" in line["message"] for line in third["logs"])
    from deployments.cluster import ConnectionSpec, connect

    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    assert client.get("v1", "ConfigMap", "old-config", workflow["namespace"]) is None
    assert len(client.list("apps/v1", "Deployment", namespace=workflow["namespace"])) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"image": "nginx:missing"}, "ImagePull"),
        (
            {"image": "nginx:1.27", "env": [{"name": "SANDBOX_CRASH", "value": "1"}]},
            "CrashLoopBackOff",
        ),
        ({"image": "nginx:1.27", "resources": {"limits": {"memory": "8Mi"}}}, "OOMKilled"),
        ({"image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}, "Insufficient cpu"),
    ],
)
def test_injected_failure_fails_the_run_with_the_reason(
    as_alice, engine, wait_for_run, data, reason
):
    workflow = create(as_alice, [node("web", "deployment", name="web", **data)], [])
    run = wait_for_run(start(as_alice, workflow["id"]))
    assert run["status"] == "failed"
    assert reason in run["error"], run["error"]
    [state] = run["node_states"]
    assert state["health"] == "degraded" and reason in state["message"]
    workflow = as_alice.get(f"/v1/api/workflows/{workflow['id']}").json()
    assert workflow["failure_count"] == 1


def test_a_run_that_never_settles_times_out_naming_what_it_waited_for(
    as_alice, engine, wait_for_run, settings
):
    # The health wait is a chain of check tasks: its deadline still holds (no grace expires
    # first: the readiness probe fails for good, and the grace is longer than the timeout).
    settings.KUBEORCH_RUN_DEGRADED_GRACE_SECONDS = 60
    env = [{"name": "SANDBOX_NOT_READY", "value": "1"}]
    workflow = create(
        as_alice, [node("web", "deployment", name="web", image="nginx:1.27", env=env)], []
    )
    run = wait_for_run(start(as_alice, workflow["id"], {"timeout_seconds": 5}), timeout=30)
    assert run["status"] == "failed"
    assert run["error"].startswith("timed out after 5s waiting for web ("), run["error"]


def test_refused_object_fails_with_the_api_server_message(as_alice, engine, wait_for_run):
    # Taking over a Deployment created by hand with another selector: the API server refuses
    # (the selector is immutable) and its words reach the run.
    workflow = create(as_alice, [node("web", "deployment", name="web", image="nginx:1.27")], [])
    from deployments.cluster import ConnectionSpec, connect

    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    client.ensure_namespace(workflow["namespace"])
    labels = {"app": "legacy"}
    client.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": workflow["namespace"]},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        },
        field_manager="kubectl",
    )
    run = wait_for_run(start(as_alice, workflow["id"]))
    assert run["status"] == "failed"
    assert "field is immutable" in run["error"], run["error"]
    assert "spec.selector" in run["error"]
    [state] = run["node_states"]
    assert state["health"] == "degraded" and "immutable" in state["message"]


def test_second_start_while_active_is_409_naming_the_run(as_alice, engine, wait_for_run):
    workflow = create(as_alice, [node("web", "deployment", name="web", image="nginx:1.27")], [])
    first = start(as_alice, workflow["id"])
    response = as_alice.post(f"/v1/api/workflows/{workflow['id']}/run", {}, format="json")
    if response.status_code == 202:  # the first already finished: nothing to prove here
        pytest.skip("first run finished before the second start")
    assert response.status_code == 409
    assert response.json()["code"] == "run_in_progress"
    assert response.json()["active_run_id"] == first
    wait_for_run(first)


def test_cancel_queued_running_and_finished(as_alice, engine, wait_for_run, settings):
    slow = node("web", "deployment", name="web", image="nginx:missing")
    workflow = create(as_alice, [slow], [])
    settings.KUBEORCH_RUN_DEGRADED_GRACE_SECONDS = 30
    run_id = start(as_alice, workflow["id"])
    for _ in range(100):
        if Run.objects.get(pk=run_id).status == "running":
            break
        import time

        time.sleep(0.1)
    response = as_alice.post(f"/v1/api/runs/{run_id}/cancel")
    assert response.status_code == 202
    run = wait_for_run(run_id, timeout=20)
    assert run["status"] == "cancelled"
    again = as_alice.post(f"/v1/api/runs/{run_id}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_cancel_queued_run_at_once(as_alice, alice, on_sandbox, monkeypatch):
    # A broker backlog: the task is not delivered, so the run stays queued until cancelled.
    monkeypatch.setattr("deployments.actions.runs.enqueue", lambda run_id, sealed: None)
    workflow = create(as_alice, [node("web", "deployment", name="web", image="nginx:1.27")], [])
    from deployments.actions.runs import start_run
    from workflows.models import Workflow

    run = start_run(alice, Workflow.objects.get(pk=workflow["id"]))
    response = as_alice.post(f"/v1/api/runs/{run.pk}/cancel")
    assert response.status_code == 202 and response.json()["status"] == "cancelled"


def test_run_permissions(
    as_alice, as_bob, as_charlie, anonymous, alice, bob, team, engine, wait_for_run
):
    from workflows.actions.workflows import create_workflow
    from workflows.models import Membership

    workflow = create_workflow(
        alice,
        team=team,
        name="w",
        namespace="perm",
        cluster=team.clusters.get(name="sandbox"),
        nodes=[node("c", "configmap", name="c")],
        edges=[],
    )
    url = f"/v1/api/workflows/{workflow.pk}/run"
    assert anonymous.post(url, {}, format="json").status_code == 401
    assert as_charlie.post(url, {}, format="json").status_code == 404
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    assert as_bob.post(url, {}, format="json").status_code == 403
    assert as_bob.get(f"/v1/api/workflows/{workflow.pk}/status").status_code == 200
    Membership.objects.filter(team=team, user=bob).update(role="developer")
    response = as_bob.post(url, {}, format="json")
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    assert as_charlie.post(f"/v1/api/runs/{run_id}/cancel").status_code == 404
    # The run bob started ends before the test does (teardown flushes the tables under it).
    assert wait_for_run(run_id)["status"] == "completed"
