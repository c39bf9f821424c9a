# The typed kubernetes models make every field Optional and want model objects where the
# API accepts plain dicts; these tests read fields the sandbox has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""Simulated controllers: rollouts, injected failures, services, storage, autoscaling, GC."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from deployments.sandbox.cron import CronSchedule

from .conftest import deployment, wait_for


def _pods(core: client.CoreV1Api, ns: str, selector: str) -> list[Any]:
    return list(core.list_namespaced_pod(ns, label_selector=selector).items)


def _one_pod(core: client.CoreV1Api, ns: str, app: str) -> Any:
    return wait_for(lambda: next(iter(_pods(core, ns, f"app={app}")), None))


def _events(core: client.CoreV1Api, ns: str, name: str) -> list[tuple[str, str, str]]:
    found = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={name}").items
    return [(e.type, e.reason, e.message) for e in found]


def _waiting_reason(core: client.CoreV1Api, ns: str, app: str) -> str | None:
    pod = _one_pod(core, ns, app)
    statuses = pod.status.container_statuses or []
    return statuses[0].state.waiting.reason if statuses and statuses[0].state.waiting else None


def test_deployment_becomes_available(apps: client.AppsV1Api, core: client.CoreV1Api,
                                      sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("web", replicas=3))

    def available() -> Any:
        d = apps.read_namespaced_deployment("web", ns)
        return d if (d.status.available_replicas or 0) == 3 else None

    d = wait_for(available)
    conditions = {c.type: c for c in d.status.conditions}
    assert conditions["Available"].status == "True"
    assert conditions["Progressing"].reason == "NewReplicaSetAvailable"
    assert d.status.observed_generation == d.metadata.generation
    assert d.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    pods = _pods(core, ns, "app=web")
    assert len(pods) == 3 and all(p.status.phase == "Running" for p in pods)
    assert all(p.status.pod_ip.startswith("10.244.") for p in pods)
    pod_conditions = {c.type: c.status for c in pods[0].status.conditions}
    assert pod_conditions["Ready"] == pod_conditions["PodScheduled"] == "True"
    rs = apps.list_namespaced_replica_set(ns).items[0]
    assert rs.metadata.owner_references[0].name == "web"
    assert pods[0].metadata.labels["pod-template-hash"] == \
        rs.metadata.labels["pod-template-hash"]
    reasons = {r for _, r, _ in _events(core, ns, pods[0].metadata.name)}
    assert {"Scheduled", "Pulling", "Pulled", "Created", "Started"} <= reasons
    assert any("Scaled up replica set" in m for _, _, m in _events(core, ns, "web"))


def test_a_settled_deployment_still_reacts(apps: client.AppsV1Api, core: client.CoreV1Api,
                                          sandbox_namespace: str) -> None:
    """The ReplicaSet and Deployment controllers skip owners whose world did not change since
    their last sync; a change to the owner, or to what it owns, must still be seen."""
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("steady", replicas=2))

    def ready(count: int) -> Any:
        d = apps.read_namespaced_deployment("steady", ns)
        pods = [p for p in _pods(core, ns, "app=steady") if not p.metadata.deletion_timestamp]
        return pods if (d.status.available_replicas or 0) == count == len(pods) else None

    first = {p.metadata.name for p in wait_for(lambda: ready(2))}
    # A pod deleted behind the controllers' back is replaced (the ReplicaSet's pods changed).
    core.delete_namespaced_pod(sorted(first)[0], ns, grace_period_seconds=0)

    def replaced() -> set[str] | None:
        now = {p.metadata.name for p in ready(2) or []}
        return now if len(now) == 2 and now != first else None

    assert sorted(first)[0] not in wait_for(replaced)
    # Scaling the settled Deployment reaches its pods (the Deployment itself changed).
    apps.patch_namespaced_deployment_scale("steady", ns, {"spec": {"replicas": 3}})
    assert len(wait_for(lambda: ready(3))) == 3
    apps.patch_namespaced_deployment_scale("steady", ns, {"spec": {"replicas": 1}})
    assert len(wait_for(lambda: ready(1))) == 1


def test_rolling_update_keeps_old_replica_set_until_new_pods_ready(
        apps: client.AppsV1Api, sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("roll", replicas=2))
    wait_for(lambda: apps.read_namespaced_deployment("roll", ns).status.available_replicas == 2)
    apps.patch_namespaced_deployment("roll", ns, {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "nginx:missing"}]}}}})

    def stuck() -> Any:
        sets = apps.list_namespaced_replica_set(ns).items
        return sets if len(sets) == 2 else None

    sets = wait_for(stuck)
    old = next(s for s in sets if s.metadata.annotations[
        "deployment.kubernetes.io/revision"] == "1")
    d = wait_for(lambda: next((d for d in [apps.read_namespaced_deployment("roll", ns)]
                               if {c.type: c.reason for c in d.status.conditions}.get(
                                   "Progressing") == "ProgressDeadlineExceeded"), None))
    assert apps.read_namespaced_replica_set(old.metadata.name, ns).spec.replicas == 2
    assert d.status.available_replicas == 2  # the old pods still serve


def test_image_pull_failure(apps: client.AppsV1Api, core: client.CoreV1Api,
                            sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("pull", image="nginx:missing"))
    wait_for(lambda: _waiting_reason(core, ns, "pull") == "ImagePullBackOff")
    pod = _one_pod(core, ns, "pull")
    assert pod.status.phase == "Pending"
    events = _events(core, ns, pod.metadata.name)
    assert ("Warning", "Failed", 'Failed to pull image "nginx:missing": rpc error: code = '
            'NotFound desc = failed to pull and unpack image "docker.io/library/nginx:missing": '
            'failed to resolve reference "docker.io/library/nginx:missing": '
            "docker.io/library/nginx:missing: not found") in events
    assert ("Normal", "BackOff", 'Back-off pulling image "nginx:missing"') in events


def test_unknown_registry_fails_dns(apps: client.AppsV1Api, core: client.CoreV1Api,
                                    sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("reg", image="registry.nowhere.io/app:1"))
    wait_for(lambda: _waiting_reason(core, ns, "reg") in ("ErrImagePull", "ImagePullBackOff"))
    messages = [m for _, r, m in _events(core, ns, _one_pod(core, ns, "reg").metadata.name)
                if r == "Failed"]
    assert any("lookup registry.nowhere.io: no such host" in m for m in messages)


@pytest.mark.parametrize(("name", "container", "exit_code", "reason"), [
    ("crash", {"env": {"SANDBOX_CRASH": "1"}}, 1, "Error"),
    ("oom", {"resources": {"limits": {"memory": "8Mi"}}}, 137, "OOMKilled"),
])
def test_crash_loop(apps: client.AppsV1Api, core: client.CoreV1Api, sandbox_namespace: str,
                    name: str, container: dict[str, Any], exit_code: int, reason: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment(name, **container))
    wait_for(lambda: _waiting_reason(core, ns, name) == "CrashLoopBackOff")
    status = _one_pod(core, ns, name).status.container_statuses[0]
    assert status.restart_count >= 1
    assert status.last_state.terminated.exit_code == exit_code
    assert status.last_state.terminated.reason == reason
    assert status.state.waiting.message.startswith("back-off ")
    assert any(r == "BackOff" and t == "Warning" and "Back-off restarting failed container app"
               in m for t, r, m in _events(core, ns, _one_pod(core, ns, name).metadata.name))


def test_missing_secret_key_waits_in_create_container_config_error(
        apps: client.AppsV1Api, core: client.CoreV1Api, sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    secret_env = [{"name": "DB_PASSWORD", "valueFrom": {
        "secretKeyRef": {"name": "db", "key": "password"}}}]
    manifest = deployment("needs-db")
    manifest["spec"]["template"]["spec"]["containers"][0]["env"] = secret_env
    apps.create_namespaced_deployment(ns, manifest)
    wait_for(lambda: _waiting_reason(core, ns, "needs-db") == "CreateContainerConfigError")
    pod = _one_pod(core, ns, "needs-db")
    assert pod.status.phase == "Pending"
    assert pod.status.container_statuses[0].state.waiting.message == 'secret "db" not found'
    assert ("Warning", "Failed", 'Error: secret "db" not found') in _events(
        core, ns, pod.metadata.name)

    core.create_namespaced_secret(ns, {"metadata": {"name": "db"},
                                       "stringData": {"user": "app"}})
    expected = f"couldn't find key password in Secret {ns}/db"
    wait_for(lambda: _one_pod(core, ns, "needs-db").status.container_statuses[0].state.waiting
             and _one_pod(core, ns, "needs-db").status.container_statuses[0].state.waiting
             .message == expected)

    core.patch_namespaced_secret("db", ns, {"stringData": {"password": "pw"}})
    started = wait_for(lambda: next((p for p in _pods(core, ns, "app=needs-db")
                                     if p.status.phase == "Running"), None))
    assert started.status.container_statuses[0].ready is True


def test_unschedulable_requests(apps: client.AppsV1Api, core: client.CoreV1Api,
                                sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("big", resources={
        "requests": {"cpu": "8", "memory": "1Gi"}}))

    def unschedulable() -> Any:
        pod = _one_pod(core, ns, "big")
        found = [c for c in pod.status.conditions or [] if c.type == "PodScheduled"]
        return found[0] if found and found[0].reason == "Unschedulable" else None

    condition = wait_for(unschedulable)
    assert condition.status == "False"
    assert condition.message.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    assert any(r == "FailedScheduling" and m.startswith(
        "0/1 nodes are available: 1 Insufficient cpu.")
        for _, r, m in _events(core, ns, _one_pod(core, ns, "big").metadata.name))


def test_failing_readiness_probe(apps: client.AppsV1Api, core: client.CoreV1Api,
                                 sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("probe", readinessProbe={
        "httpGet": {"path": "/fail", "port": 80}}))
    pod = wait_for(lambda: next((p for p in _pods(core, ns, "app=probe")
                                 if p.status.phase == "Running"), None))
    assert pod.status.container_statuses[0].ready is False
    assert ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: "
            "503") in _events(core, ns, pod.metadata.name)


def test_statefulset_ordered_pods_and_partition(apps: client.AppsV1Api, core: client.CoreV1Api,
                                                sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    sts = deployment("db", replicas=3)
    sts.update(kind="StatefulSet")
    sts["spec"]["serviceName"] = "db"
    sts["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    apps.create_namespaced_stateful_set(ns, sts)
    wait_for(lambda: apps.read_namespaced_stateful_set("db", ns).status.ready_replicas == 3)
    names = sorted(p.metadata.name for p in _pods(core, ns, "app=db"))
    assert names == ["db-0", "db-1", "db-2"]
    before = apps.read_namespaced_stateful_set("db", ns).status
    assert before.current_revision == before.update_revision
    apps.patch_namespaced_stateful_set("db", ns, {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "nginx:1.28"}]}}}})

    def partially_updated() -> Any:
        status = apps.read_namespaced_stateful_set("db", ns).status
        return status if status.updated_replicas == 1 and status.ready_replicas == 3 else None

    status = wait_for(partially_updated)
    assert status.update_revision != status.current_revision
    images = {p.metadata.name: p.spec.containers[0].image for p in _pods(core, ns, "app=db")}
    assert images == {"db-0": "nginx:1.27", "db-1": "nginx:1.27", "db-2": "nginx:1.28"}


def test_daemonset_runs_one_pod_per_node(apps: client.AppsV1Api, sandbox_namespace: str) -> None:
    ds = deployment("agent")
    ds.update(kind="DaemonSet")
    del ds["spec"]["replicas"]
    apps.create_namespaced_daemon_set(sandbox_namespace, ds)
    status = wait_for(lambda: (s := apps.read_namespaced_daemon_set(
        "agent", sandbox_namespace).status).number_ready == 1 and s)
    assert status.desired_number_scheduled == 1 and status.current_number_scheduled == 1


def _job(name: str, fail: bool = False, backoff: int = 1) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "task", "image": "busybox:1.36"}
    if fail:
        container["env"] = [{"name": "SANDBOX_FAIL", "value": "1"}]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"backoffLimit": backoff, "template": {"spec": {
                "restartPolicy": "Never", "containers": [container]}}}}


def test_jobs_complete_or_fail(api_client: client.ApiClient, sandbox_namespace: str) -> None:
    batch = client.BatchV1Api(api_client)
    batch.create_namespaced_job(sandbox_namespace, _job("ok"))
    batch.create_namespaced_job(sandbox_namespace, _job("bad", fail=True))

    def condition(name: str) -> Any:
        conditions = batch.read_namespaced_job(name, sandbox_namespace).status.conditions or []
        return next((c for c in conditions if c.type in ("Complete", "Failed")), None)

    assert wait_for(lambda: condition("ok")).type == "Complete"
    failed = wait_for(lambda: condition("bad"))
    assert (failed.type, failed.reason) == ("Failed", "BackoffLimitExceeded")
    assert batch.read_namespaced_job("bad", sandbox_namespace).status.failed == 2
    assert batch.read_namespaced_job("ok", sandbox_namespace).status.succeeded == 1


def test_cron_schedule_matching() -> None:
    from datetime import UTC, datetime

    every_five = CronSchedule("*/5 * * * *")
    assert every_five.matches(datetime(2026, 1, 1, 10, 15, tzinfo=UTC))
    assert not every_five.matches(datetime(2026, 1, 1, 10, 16, tzinfo=UTC))
    weekdays = CronSchedule("30 9 * * MON-FRI")
    assert weekdays.matches(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))  # a Monday
    assert not weekdays.matches(datetime(2026, 1, 4, 9, 30, tzinfo=UTC))
    start = datetime(2026, 1, 1, 10, 0, 30, tzinfo=UTC).timestamp()
    assert CronSchedule("@hourly").latest_due(start, start + 3600) == start - 30 + 3600


def test_services_endpoints_and_load_balancer(apps: client.AppsV1Api, core: client.CoreV1Api,
                                              sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("lb", replicas=2, ports=[
        {"name": "http", "containerPort": 8080}]))
    core.create_namespaced_service(ns, {"metadata": {"name": "lb"}, "spec": {
        "type": "LoadBalancer", "selector": {"app": "lb"},
        "ports": [{"port": 80, "targetPort": "http"}]}})
    endpoints = wait_for(lambda: (e := core.read_namespaced_endpoints("lb", ns)).subsets
                         and len(e.subsets[0].addresses or []) == 2 and e)
    assert endpoints.subsets[0].ports[0].port == 8080
    svc = wait_for(lambda: (s := core.read_namespaced_service("lb", ns)).status.load_balancer
                   .ingress and s)
    assert svc.status.load_balancer.ingress[0].ip == "127.0.0.1"


def test_ingress_gets_an_address(api_client: client.ApiClient, sandbox_namespace: str) -> None:
    net = client.NetworkingV1Api(api_client)
    net.create_namespaced_ingress(sandbox_namespace, {
        "metadata": {"name": "ing"}, "spec": {"ingressClassName": "sandbox", "rules": [
            {"host": "app.local", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                      "backend": {"service": {
                                                          "name": "web",
                                                          "port": {"number": 80}}}}]}}]}})
    ingress = wait_for(lambda: (i := net.read_namespaced_ingress(
        "ing", sandbox_namespace)).status.load_balancer.ingress and i)
    assert ingress.status.load_balancer.ingress[0].ip == "127.0.0.1"


def test_persistent_volume_claims(core: client.CoreV1Api, sandbox_namespace: str) -> None:
    ns = sandbox_namespace

    def claim(name: str, storage_class: str | None) -> dict[str, Any]:
        spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "1Gi"}}}
        if storage_class:
            spec["storageClassName"] = storage_class
        return {"metadata": {"name": name}, "spec": spec}

    core.create_namespaced_persistent_volume_claim(ns, claim("data", None))
    core.create_namespaced_persistent_volume_claim(ns, claim("fast", "fast"))
    bound = wait_for(lambda: (p := core.read_namespaced_persistent_volume_claim(
        "data", ns)).status.phase == "Bound" and p)
    assert bound.spec.storage_class_name == "standard"
    assert core.read_persistent_volume(bound.spec.volume_name).status.phase == "Bound"
    wait_for(lambda: ("Warning", "ProvisioningFailed",
                      'storageclass.storage.k8s.io "fast" not found') in _events(core, ns, "fast"))
    assert core.read_namespaced_persistent_volume_claim("fast", ns).status.phase == "Pending"


def test_horizontal_pod_autoscaler(apps: client.AppsV1Api, api_client: client.ApiClient,
                                   sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    hpa_api = client.AutoscalingV2Api(api_client)
    apps.create_namespaced_deployment(ns, deployment("scaled"))

    def hpa(name: str, target: str) -> dict[str, Any]:
        return {"metadata": {"name": name}, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": 2, "maxReplicas": 5}}

    hpa_api.create_namespaced_horizontal_pod_autoscaler(ns, hpa("good", "scaled"))
    hpa_api.create_namespaced_horizontal_pod_autoscaler(ns, hpa("bad", "missing"))
    good = wait_for(lambda: (h := hpa_api.read_namespaced_horizontal_pod_autoscaler(
        "good", ns)).status.conditions and h.status.desired_replicas == 2 and h)
    assert {c.type: c.status for c in good.status.conditions}["ScalingActive"] == "True"
    assert good.status.current_metrics[0].resource.name == "cpu"
    wait_for(lambda: apps.read_namespaced_deployment("scaled", ns).spec.replicas == 2)
    bad = wait_for(lambda: (h := hpa_api.read_namespaced_horizontal_pod_autoscaler(
        "bad", ns)).status.conditions and h)
    active = {c.type: c for c in bad.status.conditions}["ScalingActive"]
    assert (active.status, active.reason) == ("False", "FailedGetScale")


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_deletion_propagation(apps: client.AppsV1Api, core: client.CoreV1Api,
                              sandbox_namespace: str, policy: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("gc", replicas=2))
    wait_for(lambda: len(_pods(core, ns, "app=gc")) == 2)
    apps.delete_namespaced_deployment("gc", ns, propagation_policy=policy)
    if policy == "Orphan":
        wait_for(lambda: not apps.read_namespaced_replica_set(
            apps.list_namespaced_replica_set(ns).items[0].metadata.name, ns
        ).metadata.owner_references)
        assert len(_pods(core, ns, "app=gc")) == 2
    else:
        wait_for(lambda: not _pods(core, ns, "app=gc")
                 and not apps.list_namespaced_replica_set(ns).items)


def test_deleting_a_namespace_deletes_its_content(core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "doomed"}})
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "c"}})
    deleted = core.delete_namespace("doomed")
    assert deleted is not None
    assert not core.list_config_map_for_all_namespaces(field_selector=
                                                       "metadata.namespace=doomed").items
    wait_for(lambda: "doomed" not in {n.metadata.name for n in core.list_namespace().items})
