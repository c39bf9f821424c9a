"""Artifacts end to end through /api/artifacts on the shared worker and the sandbox cluster:
source in, a Buildah Job builds and pushes, a Deployment serves, a URL comes out."""

from pathlib import Path

import pytest

from deployments.artifacts import build
from deployments.models import Deployment
from deployments.models.artifacts import Artifact
from deployments.sandbox import resources as R
from tests.artifacts.conftest import PYTHON_APP, STATIC_SITE, unique_namespace
from tests.artifacts.events import artifact_events, is_status, statuses

pytestmark = pytest.mark.django_db(transaction=True)


def live_deployment(sandbox, artifact: dict) -> dict:
    found = sandbox.api.find(R.DEPLOYMENTS, artifact["namespace"], artifact["name"])
    assert found is not None
    return found


def test_static_site_deploys_end_to_end(alice, as_alice, pipeline, deploy, wait_artifact,
                                        settings):
    accepted = deploy("site", STATIC_SITE)
    assert accepted["status"] == "pending" and accepted["revision"] == 1
    assert accepted["events_url"] == "/api/events"
    artifact = wait_artifact(accepted["artifact_id"])
    assert artifact["status"] == "running", artifact["error"]
    assert artifact["url"] == f"http://site.{artifact['namespace']}.svc.cluster.local/"
    assert artifact["serving_revision"] == 1
    assert "@sha256:" in artifact["image_ref"]
    revision = artifact["revision"]
    assert revision["language"] == "static" and revision["port"] == 80
    assert [(s["name"], s["status"]) for s in revision["stages"]] == [
        ("fetch", "succeeded"), ("build", "succeeded"), ("push", "succeeded"),
        ("deploy", "succeeded")]
    assert all(s["started_at"] and s["ended_at"] for s in revision["stages"])

    events = artifact_events(alice, artifact["id"], until=is_status("running"))
    assert statuses(events) == ["pending", "building", "built", "deploying", "running"]
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    stage_events = [(e["payload"]["stage"], e["payload"]["status"]) for e in events
                    if e["type"] == "artifact.stage_changed"]
    assert ("build", "running") in stage_events and ("push", "succeeded") in stage_events

    logs = as_alice.get(f"/api/artifacts/{artifact['id']}/logs?stage=build").json()
    text = [line["line"] for line in logs["lines"]]
    assert any(line.startswith("STEP 1/") for line in text), text
    assert all(line["stage"] == "build" for line in logs["lines"])
    push = as_alice.get(f"/api/artifacts/{artifact['id']}/logs?stage=push").json()
    assert any("Writing manifest" in line["line"] for line in push["lines"])
    runtime = as_alice.get(f"/api/artifacts/{artifact['id']}/logs?stage=runtime").json()
    assert runtime["pods"] and runtime["pods"][0]["revision"] == "1"

    live = live_deployment(pipeline, artifact)
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == artifact["image_ref"]
    record = Deployment.objects.get(target=f"artifact:{artifact['id']}")
    assert (record.status, record.version, record.phase) == ("active", "r1", "activating")
    stored = list(Path(settings.KUBEORCH_ARTIFACT_STORE).rglob("*.tar.gz"))
    assert len(stored) == 1 and revision["source_digest"].removeprefix("sha256:") in stored[0].name


def test_python_app_deploys(as_alice, pipeline, deploy, wait_artifact):
    accepted = deploy("api", PYTHON_APP, env={"GREETING": "hi"})
    artifact = wait_artifact(accepted["artifact_id"])
    assert artifact["status"] == "running", artifact["error"]
    assert artifact["revision"]["language"] == "python"
    live = live_deployment(pipeline, artifact)
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == 8000
    assert {"name": "GREETING", "value": "hi"} in container["env"]
    build_log = as_alice.get(f"/api/artifacts/{artifact['id']}/logs?stage=build").json()
    assert any("pip install" in line["line"] for line in build_log["lines"])


def test_failing_build_keeps_the_previous_revision_serving(as_alice, pipeline, deploy,
                                                          wait_artifact):
    artifact = wait_artifact(deploy("web", STATIC_SITE)["artifact_id"])
    assert artifact["status"] == "running"
    broken = {**STATIC_SITE, "Dockerfile": "FROM nginx:1.27-alpine\nRUN exit 3\n"}
    response = as_alice.put(f"/api/artifacts/{artifact['id']}", {"files": broken}, format="json")
    assert response.status_code == 202 and response.json()["revision"] == 2
    failed = wait_artifact(artifact["id"], revision=2)
    assert failed["status"] == "failed"
    assert failed["error"]["stage"] == "build"
    assert any("exit code 3" in detail for detail in failed["error"]["details"]), failed["error"]
    assert any("exit status 3" in line["line"] for line in as_alice.get(
        f"/api/artifacts/{artifact['id']}/logs?stage=build&revision=2").json()["lines"])
    assert failed["serving_revision"] == 1 and failed["url"] == artifact["url"]
    assert failed["image_ref"] == artifact["image_ref"]
    live = live_deployment(pipeline, artifact)
    assert live["spec"]["template"]["metadata"]["labels"]["kubeorch.io/revision"] == "1"
    versions = as_alice.get(f"/api/artifacts/{artifact['id']}/versions").json()
    assert [(v["number"], v["status"]) for v in versions] == [(2, "failed"), (1, "running")]


def test_update_makes_a_new_revision_and_retires_the_old(as_alice, pipeline, deploy,
                                                        wait_artifact):
    artifact = wait_artifact(deploy("blog", STATIC_SITE)["artifact_id"])
    changed = {**STATIC_SITE, "index.html": "<h1>v2</h1>"}
    response = as_alice.put(f"/api/artifacts/{artifact['id']}", {"files": changed},
                            format="json")
    assert response.status_code == 202
    updated = wait_artifact(artifact["id"], revision=2)
    assert updated["status"] == "running" and updated["serving_revision"] == 2
    assert updated["image_ref"] != artifact["image_ref"]
    versions = as_alice.get(f"/api/artifacts/{artifact['id']}/versions").json()
    assert [(v["number"], v["status"]) for v in versions] == [(2, "running"), (1, "retired")]
    records = Deployment.objects.filter(target=f"artifact:{artifact['id']}").order_by("pk")
    assert [r.status for r in records] == ["succeeded", "active"]


def test_rollback_redeploys_the_retained_image_without_a_build(as_alice, pipeline, deploy,
                                                               wait_artifact):
    artifact = wait_artifact(deploy("docs", STATIC_SITE)["artifact_id"])
    as_alice.put(f"/api/artifacts/{artifact['id']}",
                 {"files": {"index.html": "<h1>v2</h1>"}}, format="json")
    wait_artifact(artifact["id"], revision=2)
    response = as_alice.post(f"/api/artifacts/{artifact['id']}/rollback", {"revision": 1},
                             format="json")
    assert response.status_code == 202 and response.json()["revision"] == 3
    rolled = wait_artifact(artifact["id"], revision=3)
    assert rolled["status"] == "running"
    assert rolled["image_ref"] == artifact["image_ref"]
    assert rolled["revision"]["rollback_of"] == 1
    assert [s["status"] for s in rolled["revision"]["stages"]] == [
        "skipped", "skipped", "skipped", "succeeded"]
    records = Deployment.objects.filter(target=f"artifact:{artifact['id']}").order_by("pk")
    assert [r.status for r in records] == ["succeeded", "rolled_back", "active"]
    never_ran = as_alice.post(f"/api/artifacts/{artifact['id']}/rollback", {"revision": 9},
                              format="json")
    assert never_ran.status_code == 400 and never_ran.json()["errors"][0]["path"] == "revision"


def test_cancel_during_build_deletes_the_job(as_alice, pipeline, deploy, wait_artifact):
    accepted = deploy("slow", STATIC_SITE)
    artifact = wait_artifact(accepted["artifact_id"], until=("building",), timeout=30)
    model = Artifact.objects.get(pk=artifact["id"])
    job = build.job_name(model, 1)
    response = as_alice.post(f"/api/artifacts/{artifact['id']}/cancel")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    done = wait_artifact(artifact["id"])
    assert done["status"] == "cancelled"
    assert done["revision"]["reason"] == "cancelled by user"
    _eventually(lambda: pipeline.api.find(R.JOBS, artifact["namespace"], job) is None)
    record = Deployment.objects.get(target=f"artifact:{artifact['id']}")
    _eventually(lambda: Deployment.objects.get(pk=record.pk).status == "cancelled")
    again = as_alice.post(f"/api/artifacts/{artifact['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_cancel_during_deploy_keeps_the_previous_replicaset_serving(as_alice, pipeline, deploy,
                                                                   wait_artifact):
    artifact = wait_artifact(deploy("shop", STATIC_SITE)["artifact_id"])
    old_sets = replicasets(pipeline, artifact["namespace"])
    assert len(old_sets) == 1
    old_set = old_sets[0]["metadata"]["name"]
    # Pods that never become ready: the rollout waits, the old ReplicaSet keeps serving.
    as_alice.put(f"/api/artifacts/{artifact['id']}", {"env": {"SANDBOX_NOT_READY": "1"}},
                 format="json")
    wait_artifact(artifact["id"], until=("deploying",), revision=2, timeout=30)
    response = as_alice.post(f"/api/artifacts/{artifact['id']}/cancel")
    assert response.status_code == 200
    done = wait_artifact(artifact["id"], revision=2)
    assert done["status"] == "cancelled" and done["serving_revision"] == 1

    def restored() -> bool:
        live = live_deployment(pipeline, artifact)
        sets = {rs["metadata"]["name"]: rs for rs in
                replicasets(pipeline, artifact["namespace"])}
        labels = live["spec"]["template"]["metadata"]["labels"]
        new_sets = [s for name, s in sets.items() if name != old_set]
        return (labels["kubeorch.io/revision"] == "1"
                and sets[old_set]["status"].get("readyReplicas") == 1
                and all(s["spec"]["replicas"] == 0 for s in new_sets))

    _eventually(restored)


def replicasets(sandbox, namespace: str) -> list[dict]:
    return [rs for rs in sandbox.store.list(R.REPLICASETS)[0]
            if rs["metadata"]["namespace"] == namespace]


def _eventually(check, timeout: float = 20) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.2)


def test_crashing_deploy_fails_with_the_pod_reason_and_the_previous_revision_serves(
        as_alice, pipeline, deploy, wait_artifact, settings):
    # A crashing container looks Ready until its first crash, and a loaded shared sandbox ticks
    # slowly enough for that to outlast the fixture's 0.5 s settle window (it did once in CI):
    # the settle window must be longer than a crash takes to show, as it is in production.
    settings.KUBEORCH_ARTIFACT_SETTLE_SECONDS = 3
    artifact = wait_artifact(deploy("crashy", STATIC_SITE)["artifact_id"])
    response = as_alice.put(f"/api/artifacts/{artifact['id']}",
                            {"env": {"SANDBOX_CRASH": "1"}}, format="json")
    assert response.status_code == 202
    failed = wait_artifact(artifact["id"], revision=2)
    assert failed["status"] == "failed"
    assert failed["error"]["stage"] == "deploy"
    assert "CrashLoopBackOff" in str(failed["error"]), failed["error"]
    assert failed["serving_revision"] == 1 and failed["image_ref"] == artifact["image_ref"]

    def previous_restored() -> bool:
        live = live_deployment(pipeline, artifact)
        labels = live["spec"]["template"]["metadata"]["labels"]
        return labels["kubeorch.io/revision"] == "1" and live["status"].get(
            "availableReplicas") == 1

    _eventually(previous_restored)
    record = Deployment.objects.filter(target=f"artifact:{artifact['id']}").order_by("-pk")[0]
    assert record.status == "failed" and record.error.startswith("deploy:")


def test_host_gives_an_ingress_and_secrets_reach_the_pod_only_by_reference(
        as_alice, pipeline, deploy, wait_artifact):
    namespace = unique_namespace()
    pipeline.api.create(R.NAMESPACES, None, {"metadata": {"name": namespace}}, "pytest")
    pipeline.api.create(R.SECRETS, namespace, {"metadata": {"name": "db"},
                                               "stringData": {"password": "pw"}}, "pytest")
    accepted = deploy("portal", STATIC_SITE, host="portal.example.test", namespace=namespace,
                      secrets={"API_KEY": "k-123456789"},
                      secret_refs=[{"env": "DB_PASSWORD", "secret": "db", "key": "password"}])
    artifact = wait_artifact(accepted["artifact_id"])
    assert artifact["status"] == "running", artifact["error"]
    assert artifact["url"] == "http://portal.example.test/"
    ingress = pipeline.api.find(R.INGRESSES, namespace, "portal")
    assert ingress["spec"]["rules"][0]["host"] == "portal.example.test"
    container = live_deployment(pipeline, artifact)["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "portal-env-r1"}}]
    assert {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
        "name": "db", "key": "password"}}} in container["env"]
    assert "k-123456789" not in str(container)
    secret = pipeline.api.find(R.SECRETS, namespace, "portal-env-r1")
    assert secret is not None and "API_KEY" in secret["data"]


def test_runtime_logs_never_show_a_secret_value_the_app_printed(
        as_alice, as_bob, as_charlie, team, pipeline, deploy, wait_artifact):
    # SANDBOX_PRINT_ENV: the app prints its environment at startup, as many apps do.
    accepted = deploy("printer", STATIC_SITE, env={"SANDBOX_PRINT_ENV": "1", "GREETING": "hello"},
                      secrets={"API_KEY": "k-123456789"},
                      cluster=team.clusters.get(name="sandbox").pk)
    artifact = wait_artifact(accepted["artifact_id"])
    assert artifact["status"] == "running", artifact["error"]
    url = f"/api/artifacts/{artifact['id']}/logs?stage=runtime"
    for reader in (as_alice, as_bob):
        pods = reader.get(url).json()["pods"]
        lines = [line for pod in pods for line in pod["lines"]]
        assert "GREETING=hello" in lines, lines
        printed = [line for line in lines if line.startswith("API_KEY=")]
        assert printed and all(line.startswith("API_KEY=********:") for line in printed)
        assert "k-123456789" not in "\n".join(lines)
    assert as_charlie.get(url).status_code == 404


def test_a_missing_referenced_secret_fails_the_deploy_with_the_kubelet_reason(
        as_alice, pipeline, deploy, wait_artifact):
    accepted = deploy("orphan", STATIC_SITE, secret_refs=[
        {"env": "DB_PASSWORD", "secret": "nope", "key": "password"}])
    artifact = wait_artifact(accepted["artifact_id"])
    assert artifact["status"] == "failed" and artifact["error"]["stage"] == "deploy"
    assert "CreateContainerConfigError" in str(artifact["error"]), artifact["error"]
    assert 'secret "nope" not found' in str(artifact["error"]), artifact["error"]
