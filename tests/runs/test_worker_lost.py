"""kill -9 of the worker mid-run: the run is failed ("worker lost") within the lease, never left
running, and a re-run converges with no duplicate objects."""

import os
import signal
import uuid

import pytest

from deployments.cluster import ConnectionSpec, connect
from deployments.models import Run
from deployments.tasks import execute_run, reap_lost_runs
from tests.graphs import edge, node
from tests.worker_process import celery_worker_process, wait

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "worker-lost-test"


@pytest.fixture
def doomed_worker(on_sandbox, tmp_path):
    """A real `celery worker` process on its own queue, with a 3 s lease and a run that stays
    `running` (a minute-long settle window)."""
    env = {"KUBEORCH_RUN_LEASE_SECONDS": "3", "KUBEORCH_RUN_SETTLE_SECONDS": "60",
           "KUBEORCH_RUN_POLL_SECONDS": "0.2"}
    with celery_worker_process(QUEUE, on_sandbox, tmp_path, env) as process:
        yield process


def test_kill_9_mid_run_fails_the_run_and_a_rerun_converges(
    as_alice, doomed_worker, engine, wait_for_run, monkeypatch
):
    namespace = f"lost-{uuid.uuid4().hex[:8]}"
    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27", replicas=2),
        node("svc", "service", name="web"),
    ]
    workflow = as_alice.post(
        "/v1/api/workflows",
        {
            "name": "lost",
            "namespace": namespace,
            "nodes": nodes,
            "edges": [edge("svc", "web")],
        },
        format="json",
    ).json()
    monkeypatch.setattr(
        "deployments.actions.runs.enqueue",
        lambda run_id, sealed: execute_run.apply_async(
            args=[run_id], kwargs={"sealed_secrets": sealed}, queue=QUEUE
        ),
    )
    run_id = as_alice.post(f"/v1/api/workflows/{workflow['id']}/run", {}, format="json").json()[
        "run_id"
    ]
    wait(lambda: Run.objects.get(pk=run_id).status == "running", 60, "the worker to start")
    wait(
        lambda: Run.objects.get(pk=run_id).logs.filter(message__contains="wave 2").exists(),
        30,
        "the apply to get going",
    )

    os.kill(doomed_worker.pid, signal.SIGKILL)
    doomed_worker.wait(timeout=10)

    def reaped() -> bool:
        reap_lost_runs()  # what beat runs every 15 s
        return Run.objects.get(pk=run_id).status != "running"

    elapsed = wait(reaped, 90, "the lost run to be failed")
    run = Run.objects.get(pk=run_id)
    assert run.status == "failed", run.status
    assert run.error.startswith("worker lost"), run.error
    assert elapsed < 90

    monkeypatch.undo()  # the re-run goes to the session's healthy worker
    rerun = as_alice.post(f"/v1/api/workflows/{workflow['id']}/run", {}, format="json")
    assert rerun.status_code == 202, rerun.json()
    result = wait_for_run(rerun.json()["run_id"])
    assert result["status"] == "completed", result["error"]
    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    assert [
        d["metadata"]["name"] for d in client.list("apps/v1", "Deployment", namespace=namespace)
    ] == ["web"]
    assert [s["metadata"]["name"] for s in client.list("v1", "Service", namespace=namespace)] == [
        "web"
    ]
    assert len(client.list("apps/v1", "ReplicaSet", namespace=namespace)) == 1
    ready = [
        p
        for p in client.list("v1", "Pod", namespace=namespace)
        if p["status"].get("phase") == "Running"
    ]
    assert len(ready) == 2
