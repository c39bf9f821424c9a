"""kill -9 of the worker mid-run: the run is failed ("worker lost") within the lease, never left
running, and a re-run converges with no duplicate objects."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from deployments.cluster import ConnectionSpec, connect
from deployments.models import Run
from deployments.tasks import execute_run, reap_lost_runs
from tests.graphs import edge, node

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
QUEUE = "worker-lost-test"


def database_url() -> str:
    db = django_settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def doomed_worker(on_sandbox, tmp_path):
    """A real `celery worker` process on its own queue, with a 3 s lease and a run that stays
    `running` (a minute-long settle window)."""
    on_sandbox.write_kubeconfig(tmp_path / "sandbox.kubeconfig")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "KUBEORCH_DATA_DIR": str(tmp_path),
        "KUBEORCH_RUN_LEASE_SECONDS": "3",
        "KUBEORCH_RUN_SETTLE_SECONDS": "60",
        "KUBEORCH_RUN_POLL_SECONDS": "0.2",
        # Like any production worker it shares the web process's keys.
        "SECRET_KEY": django_settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": django_settings.FIELD_ENCRYPTION_KEY,
    }
    env.pop("KUBEORCH_TEST_DB_NAME", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kubeorch",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "-Q",
            QUEUE,
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def wait(predicate, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - start


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
