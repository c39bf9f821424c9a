"""Each injected failure, through the API on the sandbox: the run fails, diagnostics name the
cause with its evidence and offer a fix, the fix changes the saved graph, and a re-run is
healthy."""

import pytest

from tests.diagnostics.helpers import (
    apply,
    check,
    create,
    diagnostics,
    node_data,
    run,
    save,
    wait_for_check,
)
from tests.graphs import edge, node

pytestmark = pytest.mark.django_db(transaction=True)


def web(**data):
    return node("web", "deployment", name="web", **{"image": "nginx:1.27", "port": 80, **data})


def fails_then_fixed(client, wid, wait_for_run, node_id, check_id, fix_id):
    """Run (fails), diagnose, apply the offered fix; returns (error check, fix response)."""
    failed = run(client, wid, wait_for_run)
    assert failed["status"] == "failed", failed
    # Polled: a crash-looping container is briefly up between two crashes.
    found = wait_for_check(client, wid, node_id, check_id, "error")
    assert found.get("fix", {}).get("id") == fix_id, found
    return found, apply(client, wid, node_id, fix_id)


def healthy_after_rerun(client, wid, wait_for_run, node_id, check_id, settings):
    # The re-run rolls out over pods of the failed rollout; with the engine's 2 s test grace a
    # Deployment still reporting the old rollout's failure can fail a run that is fine a
    # moment later. A longer grace keeps this test about diagnostics, not engine timing.
    settings.KUBEORCH_RUN_DEGRADED_GRACE_SECONDS = 8
    rerun = run(client, wid, wait_for_run)
    assert rerun["status"] == "completed", (rerun["error"], rerun["node_states"])
    report = diagnostics(client, wid, node_id)
    assert report["health"]["status"] == "healthy", report["health"]
    assert check(report, check_id)["status"] == "pass"
    return report


def test_missing_image_proposes_the_last_image_that_ran_healthy(
    as_alice, engine, wait_for_run, settings
):
    workflow = create(as_alice, [web()], [])
    wid = workflow["id"]
    assert run(as_alice, wid, wait_for_run)["status"] == "completed"
    save(as_alice, wid, [web(image="nginx:missing")], [])

    found, fixed = fails_then_fixed(
        as_alice, wid, wait_for_run, "web", "pods.image", "image.last-healthy"
    )
    evidence = found["evidence"]
    assert evidence["image"] == "nginx:missing" and evidence["pods"]
    assert evidence["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert "docker.io/library/nginx:missing: not found" in evidence["pull_error"]
    assert any("Failed to pull image" in e["message"] for e in evidence["events"])
    assert found["fix"]["patch"] == [
        {"path": "/nodes/web/data/image", "old": "nginx:missing", "new": "nginx:1.27"}
    ]
    assert node_data(fixed["workflow"], "web")["image"] == "nginx:1.27"
    assert fixed["workflow"]["status"] == "draft", "a fix is an edit"
    assert fixed["applied"]["id"] == "image.last-healthy"
    assert fixed["applied"]["check_id"] == "pods.image"
    healthy_after_rerun(as_alice, wid, wait_for_run, "web", "pods.image", settings)


def test_missing_image_without_history_explains_and_offers_no_fix(as_alice, engine, wait_for_run):
    workflow = create(as_alice, [web(image="registry.invalid/shop/web:1.0")], [])
    assert run(as_alice, workflow["id"], wait_for_run)["status"] == "failed"
    found = check(diagnostics(as_alice, workflow["id"], "web"), "pods.image")
    assert found["status"] == "error" and "fix" not in found
    assert "no such host" in found["evidence"]["pull_error"]
    assert "no earlier version of this node ran healthy" in found["message"]


def test_crash_loop_shows_exit_code_and_last_logs_and_reverts_env(
    as_alice, engine, wait_for_run, settings
):
    workflow = create(as_alice, [web()], [])
    wid = workflow["id"]
    assert run(as_alice, wid, wait_for_run)["status"] == "completed"
    save(as_alice, wid, [web(env=[{"name": "SANDBOX_CRASH", "value": "1"}])], [])

    found, fixed = fails_then_fixed(
        as_alice, wid, wait_for_run, "web", "pods.crashloop", "process.last-healthy"
    )
    evidence = found["evidence"]
    assert evidence["exit_code"] == 1 and evidence["restarts"] >= 1
    assert evidence["log_lines"] and len(evidence["log_lines"]) <= 20
    assert "exited with code 1" in found["message"], found["message"]
    assert found["fix"]["patch"] == [
        {
            "path": "/nodes/web/data/env",
            "old": [{"name": "SANDBOX_CRASH", "value": "1"}],
            "new": None,
        }
    ]
    assert "env" not in node_data(fixed["workflow"], "web")
    healthy_after_rerun(as_alice, wid, wait_for_run, "web", "pods.crashloop", settings)


def test_oom_killed_raises_the_memory_limit(as_alice, engine, wait_for_run, settings):
    workflow = create(as_alice, [web(resources={"limits": {"memory": "8Mi"}})], [])
    found, fixed = fails_then_fixed(
        as_alice, workflow["id"], wait_for_run, "web", "pods.oom", "resources.raise-memory-limit"
    )
    assert found["evidence"]["exit_code"] == 137
    assert found["evidence"]["reason"] == "OOMKilled"
    assert found["evidence"]["memory_limit"] == "8Mi"
    assert node_data(fixed["workflow"], "web")["resources"] == {"limits": {"memory": "64Mi"}}
    healthy_after_rerun(as_alice, workflow["id"], wait_for_run, "web", "pods.oom", settings)


def test_unschedulable_lowers_requests_to_fit_the_node(as_alice, engine, wait_for_run, settings):
    workflow = create(as_alice, [web(resources={"requests": {"cpu": "64"}})], [])
    found, fixed = fails_then_fixed(
        as_alice, workflow["id"], wait_for_run, "web", "pods.scheduled", "resources.fit-node"
    )
    evidence = found["evidence"]
    assert "Insufficient cpu" in evidence["scheduler_message"]
    assert evidence["insufficient"] == ["cpu"]
    assert evidence["nodes"][0]["allocatable"]["cpu"] == "4"
    assert any(e["reason"] == "FailedScheduling" for e in evidence["events"])
    [op] = found["fix"]["patch"]
    assert op["path"] == "/nodes/web/data/resources/requests/cpu" and op["old"] == "64"
    new_cpu = node_data(fixed["workflow"], "web")["resources"]["requests"]["cpu"]
    assert new_cpu == op["new"]
    healthy_after_rerun(as_alice, workflow["id"], wait_for_run, "web", "pods.scheduled", settings)


def test_pvc_with_unknown_class_switches_to_the_default_class(
    as_alice, engine, wait_for_run, settings
):
    claim = node("data", "persistentvolumeclaim", name="data", storageClassName="gold")
    workflow = create(as_alice, [claim], [])
    found, fixed = fails_then_fixed(
        as_alice, workflow["id"], wait_for_run, "data", "pvc.bound", "pvc.default-storage-class"
    )
    evidence = found["evidence"]
    assert evidence["phase"] == "Pending" and evidence["storage_class"] == "gold"
    assert [c["name"] for c in evidence["storage_classes"] if c["default"]] == ["standard"]
    assert any(e["reason"] == "ProvisioningFailed" for e in evidence["events"])
    assert node_data(fixed["workflow"], "data")["storageClassName"] == "standard"
    healthy_after_rerun(as_alice, workflow["id"], wait_for_run, "data", "pvc.bound", settings)


def test_failing_readiness_probe_is_pointed_at_root(as_alice, engine, wait_for_run, settings):
    probe = {"readiness": {"type": "http", "path": "/fail"}}
    workflow = create(as_alice, [web(probes=probe)], [])
    found, fixed = fails_then_fixed(
        as_alice,
        workflow["id"],
        wait_for_run,
        "web",
        "pods.readiness-probe",
        "probe.readiness-root",
    )
    assert any("Readiness probe failed" in e["message"] for e in found["evidence"]["events"])
    assert found["evidence"]["pods"]
    assert node_data(fixed["workflow"], "web")["probes"]["readiness"]["path"] == "/"
    healthy_after_rerun(
        as_alice, workflow["id"], wait_for_run, "web", "pods.readiness-probe", settings
    )


def test_hpa_whose_target_is_gone_and_requests_no_cpu(as_alice, engine, wait_for_run, settings):
    hpa = node("hpa", "hpa", name="web", maxReplicas=3)
    workflow = create(as_alice, [web(), hpa], [edge("hpa", "web")])
    wid = workflow["id"]
    assert run(as_alice, wid, wait_for_run)["status"] == "completed"
    metrics = check(diagnostics(as_alice, wid, "hpa"), "hpa.metrics")
    # The sandbox (like some metrics pipelines) still reports a value: a warning, with the fix.
    assert metrics["status"] == "warn" and metrics["fix"]["id"] == "hpa.add-requests"

    # The target disappears behind the product's back (kubectl delete): FailedGetScale.
    from deployments.cluster import ConnectionSpec, connect

    client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=engine.kubeconfig_yaml()))
    client.delete("apps/v1", "Deployment", "web", workflow["namespace"])
    target = wait_for_check(as_alice, wid, "hpa", "hpa.target", "error")
    assert target["evidence"]["able_to_scale"]["reason"] == "FailedGetScale"
    assert any(e["reason"] == "FailedGetScale" for e in target["evidence"]["events"])
    assert "run the workflow to create it" in target["message"]

    fixed = apply(as_alice, wid, "hpa", "hpa.add-requests")
    assert node_data(fixed["workflow"], "web")["resources"] == {"requests": {"cpu": "100m"}}
    report = healthy_after_rerun(as_alice, wid, wait_for_run, "hpa", "hpa.target", settings)
    assert check(report, "hpa.metrics")["status"] == "pass"


def test_service_target_port_not_a_container_port(as_alice, engine, wait_for_run, settings):
    svc = node("svc", "service", name="web", port=80, targetPort=8080)
    workflow = create(as_alice, [web(), svc], [edge("svc", "web")])
    wid = workflow["id"]
    # Kubernetes itself calls this healthy (endpoints are pods, not ports), so the run
    # completes: only diagnostics can see that connections will be refused.
    assert run(as_alice, wid, wait_for_run)["status"] == "completed"
    found = check(diagnostics(as_alice, wid, "svc"), "service.target-port")
    assert found["status"] == "error"
    assert found["evidence"]["container_ports"] == [80]
    assert found["evidence"]["target_ports"] == [8080]
    assert found["fix"]["patch"] == [{"path": "/nodes/svc/data/targetPort", "old": 8080, "new": 80}]
    fixed = apply(as_alice, wid, "svc", "service.target-port")
    assert node_data(fixed["workflow"], "svc")["targetPort"] == 80
    report = healthy_after_rerun(
        as_alice, wid, wait_for_run, "svc", "service.target-port", settings
    )
    assert check(report, "service.endpoints")["status"] == "pass"


def test_missing_referenced_secret_is_named_and_a_secret_node_fixes_it(
    as_alice, engine, wait_for_run, settings
):
    needs_db = web(env=[{"name": "DB_PASSWORD",
                         "secretKeyRef": {"name": "db", "key": "password"}}])
    wid = create(as_alice, [needs_db], [])["id"]
    failed = run(as_alice, wid, wait_for_run)
    assert failed["status"] == "failed", failed
    found = wait_for_check(as_alice, wid, "web", "pods.config", "error")
    assert found["evidence"]["reason"] == "CreateContainerConfigError"
    assert found["evidence"]["kubelet_message"] == 'secret "db" not found'
    assert 'secret "db" not found' in found["message"] and "fix" not in found
    # The user adds the Secret the container reads; the re-run starts it.
    db = node("db", "secret", 0, 150, name="db", data={"password": "pw-123456"}, mount=False)
    save(as_alice, wid, [needs_db, db], [])
    healthy_after_rerun(as_alice, wid, wait_for_run, "web", "pods.config", settings)
