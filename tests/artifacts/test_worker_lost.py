"""kill -9 of the worker mid-deploy: the attempt becomes unknown within the lease, teardown is
refused without force, and reconcile settles it from the cluster (and the artifact with it)."""

import os
import signal

import pytest

from deployments.artifacts.tasks import process_revision
from deployments.models import Deployment
from deployments.models.artifacts import ArtifactRevision
from deployments.records.leases import expire_leases
from tests.artifacts.conftest import STATIC_SITE
from tests.worker_process import celery_worker_process, wait

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "artifact-worker-lost-test"


@pytest.fixture
def doomed_worker(pipeline, settings, tmp_path):
    """A real `celery worker` process on its own queue, with a 3 s attempt lease and a settle
    window long enough that it is killed while deploying."""
    env = {"KUBEORCH_ARTIFACT_STORE": str(settings.KUBEORCH_ARTIFACT_STORE),
           "KUBEORCH_ATTEMPT_LEASE_SECONDS": "3", "KUBEORCH_ARTIFACT_SETTLE_SECONDS": "600"}
    with celery_worker_process(QUEUE, pipeline, tmp_path, env) as process:
        yield process


def test_kill_9_mid_deploy_makes_the_attempt_unknown_until_reconcile(
        as_alice, settings, doomed_worker, deploy, wait_artifact, monkeypatch):
    settings.KUBEORCH_ATTEMPT_LEASE_SECONDS = 3
    monkeypatch.setattr("deployments.artifacts.actions.enqueue",
                        lambda revision_id, delay: process_revision.apply_async(
                            args=[revision_id], countdown=delay, queue=QUEUE))
    artifact = deploy("lost", STATIC_SITE)
    artifact_id = artifact["artifact_id"]
    wait_artifact(artifact_id, until=("deploying",), timeout=60)
    revision = ArtifactRevision.objects.get(artifact_id=artifact_id, number=1)
    record = Deployment.objects.get(pk=revision.deployment_record_id)
    # The rollout becomes available while the worker sits in its (long) settle wait.
    wait(lambda: any(line["line"].startswith("healthy") for line in as_alice.get(
        f"/api/artifacts/{artifact_id}/logs?stage=deploy").json()["lines"]), 30, "the rollout")

    os.kill(doomed_worker.pid, signal.SIGKILL)
    doomed_worker.wait(timeout=10)

    def unknown() -> bool:
        expire_leases()  # what beat runs every 15 s
        return record.attempts.get(number=1).status == "unknown"

    wait(unknown, 30, "the attempt to become unknown")
    attempt = record.attempts.get(number=1)
    assert attempt.evidence["lease"]["worker_id"]
    honest = as_alice.get(f"/api/artifacts/{artifact_id}").json()
    assert honest["status"] == "deploying", "nobody knows yet: not running, not failed"

    refused = as_alice.post(f"/api/deployments/{record.pk}/teardown", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "attempt_unknown"

    settled = as_alice.post(f"/api/deployments/{record.pk}/reconcile", {}, format="json")
    assert settled.status_code == 200, settled.json()
    wait(lambda: record.attempts.get(number=1).status == "ready", 5, "reconcile")
    after = as_alice.get(f"/api/artifacts/{artifact_id}").json()
    assert after["status"] == "running" and after["serving_revision"] == 1
    assert Deployment.objects.get(pk=record.pk).status == "active"


def test_kill_9_mid_build_fails_the_revision_and_deletes_the_job(
        as_alice, settings, doomed_worker, deploy, wait_artifact, monkeypatch, pipeline):
    from deployments.artifacts import build
    from deployments.artifacts.tasks import reap
    from deployments.models.artifacts import Artifact
    from deployments.sandbox import resources as R

    settings.KUBEORCH_ATTEMPT_LEASE_SECONDS = 3
    monkeypatch.setattr("deployments.artifacts.actions.enqueue",
                        lambda revision_id, delay: process_revision.apply_async(
                            args=[revision_id], countdown=delay, queue=QUEUE))
    artifact_id = deploy("lostbuild", STATIC_SITE)["artifact_id"]
    found = wait_artifact(artifact_id, until=("building",), timeout=60)
    os.kill(doomed_worker.pid, signal.SIGKILL)
    doomed_worker.wait(timeout=10)

    def failed() -> bool:
        expire_leases()
        reap()  # both run on beat every 15 s
        return ArtifactRevision.objects.get(artifact_id=artifact_id, number=1).status != "building"

    wait(failed, 30, "the lost build to be failed")
    after = as_alice.get(f"/api/artifacts/{artifact_id}").json()
    assert after["status"] == "failed", after
    assert after["error"]["reason"] == "the worker was lost during the build"
    record = Deployment.objects.get(target=f"artifact:{artifact_id}")
    assert record.status == "failed"
    job = build.job_name(Artifact.objects.get(pk=artifact_id), 1)
    wait(lambda: pipeline.api.find(R.JOBS, found["namespace"], job) is None, 20, "Job deletion")
