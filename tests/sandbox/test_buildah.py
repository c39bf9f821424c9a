"""In-cluster image builds: a buildah Job as KubeOrch creates it, through the official client
against the sandbox (logs, termination message, failures, the sandbox registry, cancel, TTL)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import threading
import time
from typing import Any

import pytest
from kubernetes import client

from deployments.sandbox.controllers.dockerfile import DockerfileError, parse, run_exit_status

from .conftest import deployment, wait_for

REGISTRY = "registry.sandbox.local"
SCRIPT = """echo "==> kubeorch stage: build"
mkdir -p /workspace && tar -xzf /context/context.tar.gz -C /workspace
buildah bud --layers --storage-driver=vfs -f /workspace/Dockerfile -t "$IMAGE" /workspace
echo "==> kubeorch stage: push"
buildah push --storage-driver=vfs --digestfile /dev/termination-log "$IMAGE" "docker://$IMAGE"
"""
DOCKERFILE = """# syntax=docker/dockerfile:1
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir \\
    -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["python", "app.py"]
"""
APP = {"Dockerfile": DOCKERFILE, "requirements.txt": "flask==3.0.3\ngunicorn\n",
       "app.py": "print('hi')\n"}


def tar_gz(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def submit(api_client: client.ApiClient, ns: str, files: dict[str, str] | None, *,
           artifact: int = 42, revision: int = 1, backoff: int = 1,
           ttl: int = 3600, configmap: bool = True) -> tuple[str, str, bytes]:
    """The ConfigMap and Job KubeOrch creates; returns (job name, image, context bytes)."""
    core, batch = client.CoreV1Api(api_client), client.BatchV1Api(api_client)
    name = f"{artifact}-r{revision}"
    context = tar_gz(files or {})
    image = f"{REGISTRY}/kubeorch/a{artifact}-site:r{revision}"
    if configmap:
        core.create_namespaced_config_map(ns, {
            "metadata": {"name": f"kubeorch-src-{name}"},
            "binaryData": {"context.tar.gz": base64.b64encode(context).decode()}})
    labels = {"app.kubernetes.io/managed-by": "kubeorch", "kubeorch.io/artifact": str(artifact),
              "kubeorch.io/revision": str(revision)}
    batch.create_namespaced_job(ns, {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": f"kubeorch-build-{name}", "labels": labels},
        "spec": {"backoffLimit": backoff, "ttlSecondsAfterFinished": ttl, "template": {
            "metadata": {"labels": labels},
            "spec": {"restartPolicy": "Never", "containers": [{
                "name": "buildah", "image": "quay.io/buildah/stable:v1.38.0",
                "command": ["/bin/sh", "-ec", SCRIPT], "env": [{"name": "IMAGE", "value": image}],
                "securityContext": {"privileged": True},
                "volumeMounts": [{"name": "context", "mountPath": "/context"},
                                 {"name": "storage", "mountPath": "/var/lib/containers"}]}],
                "volumes": [{"name": "context",
                             "configMap": {"name": f"kubeorch-src-{name}"}},
                            {"name": "storage", "emptyDir": {}}]}}}})
    return f"kubeorch-build-{name}", image, context


def pods(core: client.CoreV1Api, ns: str, job: str) -> list[Any]:
    return sorted(core.list_namespaced_pod(ns, label_selector=f"job-name={job}").items,
                  key=lambda p: p.metadata.creation_timestamp)


def terminated(core: client.CoreV1Api, ns: str, job: str) -> Any:
    return wait_for(lambda: pods(core, ns, job)[0].status.container_statuses[0].state.terminated,
                    timeout=10)


def finished(batch: client.BatchV1Api, ns: str, job: str) -> Any:
    def check() -> Any:
        conditions = batch.read_namespaced_job(job, ns).status.conditions or []
        return next((c for c in conditions if c.type in ("Complete", "Failed")
                     and c.status == "True"), None)
    return wait_for(check, timeout=15)


def follow(core: client.CoreV1Api, ns: str, pod: str) -> list[tuple[float, str]]:
    """Follow the build's log to its end; (arrival time, line) for every line."""
    wait_for(lambda: core.read_namespaced_pod_log(pod, ns, container="buildah") is not None)
    response = core.read_namespaced_pod_log(pod, ns, container="buildah", follow=True,
                                            _preload_content=False)
    received, pending = [], b""
    for chunk in response.stream():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        received += [(time.monotonic(), line.decode()) for line in complete]
    return received


def test_build_logs_digest_and_deploy(api_client: client.ApiClient, core: client.CoreV1Api,
                                      apps: client.AppsV1Api, sandbox_namespace: str) -> None:
    ns, batch = sandbox_namespace, client.BatchV1Api(api_client)
    job, image, context = submit(api_client, ns, APP)
    pod = wait_for(lambda: pods(core, ns, job)[0]).metadata.name
    lines = follow(core, ns, pod)
    texts = [text for _, text in lines]
    build, push = texts.index("==> kubeorch stage: build"), texts.index("==> kubeorch stage: push")
    steps = [t for t in texts if re.match(r"STEP \d+/\d+: ", t)]
    assert steps == ["STEP 1/7: FROM python:3.12-slim", "STEP 2/7: WORKDIR /app",
                     "STEP 3/7: COPY requirements.txt .",
                     "STEP 4/7: RUN pip install --no-cache-dir -r requirements.txt",
                     "STEP 5/7: COPY . .", "STEP 6/7: EXPOSE 8000",
                     'STEP 7/7: CMD ["python", "app.py"]']
    assert build < texts.index(steps[0]) < texts.index(f"COMMIT {image}") < push
    assert "Trying to pull docker.io/library/python:3.12-slim..." in texts[build:push]
    assert any(t.startswith("Copying blob sha256:") for t in texts[build:push])
    assert "Collecting flask==3.0.3 (from -r requirements.txt (line 1))" in texts
    assert f"Successfully tagged {image}" in texts
    assert texts[push:][1:2] == ["Getting image source signatures"]
    assert texts[-1] == "Writing manifest to image destination"
    assert any(t.startswith("Copying config sha256:") for t in texts[push:])
    assert lines[-1][0] - lines[0][0] > 0.5, "lines must arrive progressively"

    state = terminated(core, ns, job)
    digest = "sha256:" + hashlib.sha256(context + image.encode()).hexdigest()
    assert (state.exit_code, state.reason, state.message) == (0, "Completed", digest)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", state.message)
    assert finished(batch, ns, job).type == "Complete"
    after = core.read_namespaced_pod_log(pod, ns, container="buildah")
    assert after.splitlines() == texts

    by_digest = f"{REGISTRY}/kubeorch/a42-site@{digest}"
    apps.create_namespaced_deployment(ns, deployment("site", image=by_digest))
    wait_for(lambda: apps.read_namespaced_deployment("site", ns).status.available_replicas == 1)
    running = core.list_namespaced_pod(ns, label_selector="app=site").items[0]
    assert running.status.container_statuses[0].image_id == by_digest
    apps.create_namespaced_deployment(ns, deployment("by-tag", image=image))
    wait_for(lambda: apps.read_namespaced_deployment("by-tag", ns).status.available_replicas)


def test_identical_builds_give_the_same_digest(api_client: client.ApiClient,
                                               core: client.CoreV1Api,
                                               sandbox_namespace: str) -> None:
    files = {"Dockerfile": "FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\n",
             "index.html": "<h1>hi</h1>"}
    first, _, _ = submit(api_client, sandbox_namespace, files, revision=1)
    second, _, _ = submit(api_client, sandbox_namespace, files, artifact=43, revision=1)
    one, two = (terminated(core, sandbox_namespace, j) for j in (first, second))
    assert one.message != two.message  # the image reference is part of the digest
    assert one.exit_code == two.exit_code == 0


@pytest.mark.parametrize(("run", "status"), [("false", 1), ("exit 3", 3),
                                             ("make test && SANDBOX_FAIL=1 ./check", 1)])
def test_failing_run_step(api_client: client.ApiClient, core: client.CoreV1Api,
                          sandbox_namespace: str, run: str, status: int) -> None:
    ns, batch = sandbox_namespace, client.BatchV1Api(api_client)
    files = {"Dockerfile": f"FROM alpine:3.20\nRUN echo building\nRUN {run}\nCMD [\"sh\"]\n"}
    job, _, _ = submit(api_client, ns, files)
    state = terminated(core, ns, job)
    assert (state.exit_code, state.reason, state.message) == (status, "Error", None)
    condition = finished(batch, ns, job)
    assert (condition.type, condition.reason) == ("Failed", "BackoffLimitExceeded")
    assert len(pods(core, ns, job)) == 2  # backoffLimit 1: one retry
    logs = core.read_namespaced_pod_log(pods(core, ns, job)[0].metadata.name, ns).splitlines()
    assert f"STEP 3/4: RUN {run}" in logs and "building" in logs
    assert logs[-1] == (f'Error: building at STEP "RUN {run}": while running runtime: '
                        f"exit status {status}")
    assert "==> kubeorch stage: push" not in logs


@pytest.mark.parametrize(("base", "error"), [
    ("registry.example.com/team/base:1", "initializing source docker://registry.example.com/"
     "team/base:1: pinging container registry registry.example.com: Get \"https://"
     "registry.example.com/v2/\": dial tcp: lookup registry.example.com: no such host"),
    ("python:missing", "initializing source docker://docker.io/library/python:missing: "
     "reading manifest missing in docker.io/library/python: manifest unknown"),
    (f"{REGISTRY}/kubeorch/never:r1", f"initializing source docker://{REGISTRY}/kubeorch/"
     f"never:r1: reading manifest r1 in {REGISTRY}/kubeorch/never: manifest unknown"),
])
def test_base_image_cannot_be_pulled(api_client: client.ApiClient, core: client.CoreV1Api,
                                     sandbox_namespace: str, base: str, error: str) -> None:
    job, _, _ = submit(api_client, sandbox_namespace, {"Dockerfile": f"FROM {base}\n"},
                       backoff=0)
    state = terminated(core, sandbox_namespace, job)
    assert (state.exit_code, state.reason) == (125, "Error")
    logs = core.read_namespaced_pod_log(pods(core, sandbox_namespace, job)[0].metadata.name,
                                        sandbox_namespace).splitlines()
    assert logs[-1] == f"Error: creating build container: {error}"
    assert logs[-2].startswith("Trying to pull ")


@pytest.mark.parametrize(("files", "last", "code"), [
    ({"app.py": ""}, "Error: the specified Containerfile or Dockerfile does not exist, "
     "/workspace/Dockerfile: no such file or directory", 125),
    ({"Dockerfile": "FROM alpine\nCOPY missing.txt /app/\n"}, 'Error: building at STEP "COPY '
     'missing.txt /app/": checking on sources under "/workspace": copier: stat: '
     '"/missing.txt": no such file or directory', 125),
    ({"Dockerfile": "FROM alpine\nRUNN true\n"}, "Error: parsing main Dockerfile: "
     "/workspace/Dockerfile: dockerfile parse error on line 2: unknown instruction: RUNN", 125),
])
def test_bad_context(api_client: client.ApiClient, core: client.CoreV1Api,
                     sandbox_namespace: str, files: dict[str, str], last: str,
                     code: int) -> None:
    job, _, _ = submit(api_client, sandbox_namespace, files, backoff=0)
    state = terminated(core, sandbox_namespace, job)
    assert (state.exit_code, state.reason) == (code, "Error")
    pod = pods(core, sandbox_namespace, job)[0].metadata.name
    assert core.read_namespaced_pod_log(pod, sandbox_namespace).splitlines()[-1] == last


def test_missing_configmap_blocks_the_mount(api_client: client.ApiClient,
                                           core: client.CoreV1Api,
                                           sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    job, _, _ = submit(api_client, ns, APP, configmap=False)
    message = 'MountVolume.SetUp failed for volume "context" : configmap "kubeorch-src-42-r1" ' \
              'not found'
    event = wait_for(lambda: next(e for e in core.list_namespaced_event(ns).items
                                  if e.reason == "FailedMount"))
    assert (event.type, event.message, event.source.component) == ("Warning", message, "kubelet")
    pod = pods(core, ns, job)[0]
    assert pod.status.phase == "Pending"
    assert pod.status.container_statuses[0].state.waiting.reason == "ContainerCreating"
    # Like the kubelet, the mount is retried: once the ConfigMap exists the build runs.
    core.create_namespaced_config_map(ns, {"metadata": {"name": "kubeorch-src-42-r1"},
                                           "binaryData": {"context.tar.gz": base64.b64encode(
                                               tar_gz(APP)).decode()}})
    assert terminated(core, ns, job).exit_code == 0


@pytest.mark.parametrize("policy", ["Background", "Foreground"])
def test_cancel_deletes_the_pods(api_client: client.ApiClient, core: client.CoreV1Api,
                                 sandbox_namespace: str, policy: str) -> None:
    ns, batch = sandbox_namespace, client.BatchV1Api(api_client)
    job, _, _ = submit(api_client, ns, APP)
    pod = wait_for(lambda: pods(core, ns, job)[0].status.phase == "Running"
                   and pods(core, ns, job)[0]).metadata.name
    followed: list[list[tuple[float, str]]] = []
    reader = threading.Thread(target=lambda: followed.append(follow(core, ns, pod)))
    reader.start()
    time.sleep(0.2)
    batch.delete_namespaced_job(job, ns, propagation_policy=policy)
    wait_for(lambda: not core.list_namespaced_pod(ns).items)
    reader.join(timeout=5)
    assert not reader.is_alive(), "the log follow must end when the pod goes"
    assert followed and "==> kubeorch stage: push" not in [t for _, t in followed[0]]


def test_unpushed_sandbox_registry_image_is_not_found(apps: client.AppsV1Api,
                                                      core: client.CoreV1Api,
                                                      sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    image = f"{REGISTRY}/kubeorch/a7-site@sha256:{'0' * 64}"
    apps.create_namespaced_deployment(ns, deployment("ghost", image=image))
    waiting = wait_for(lambda: core.list_namespaced_pod(ns, label_selector="app=ghost")
                       .items[0].status.container_statuses[0].state.waiting.reason
                       == "ErrImagePull" and core.list_namespaced_pod(
                           ns, label_selector="app=ghost").items[0].status
                       .container_statuses[0].state.waiting)
    assert waiting.message == (f'failed to pull and unpack image "{image}": failed to resolve '
                               f'reference "{image}": {image}: not found')
    wait_for(lambda: core.list_namespaced_pod(ns, label_selector="app=ghost").items[0].status
             .container_statuses[0].state.waiting.reason == "ImagePullBackOff")
    event = next(e for e in core.list_namespaced_event(ns).items
                 if e.reason == "Failed" and "rpc error" in e.message)
    assert "code = NotFound" in event.message


def test_ttl_after_finished_deletes_job_and_pods(api_client: client.ApiClient,
                                                 core: client.CoreV1Api,
                                                 sandbox_namespace: str) -> None:
    ns, batch = sandbox_namespace, client.BatchV1Api(api_client)
    job, _, _ = submit(api_client, ns, {"Dockerfile": "FROM alpine:3.20\n"}, ttl=1)
    assert finished(batch, ns, job).type == "Complete"
    assert pods(core, ns, job)
    wait_for(lambda: not batch.list_namespaced_job(ns).items
             and not core.list_namespaced_pod(ns).items, timeout=10)


def test_fallback_to_logs_on_error(api_client: client.ApiClient, core: client.CoreV1Api,
                                   sandbox_namespace: str) -> None:
    ns, batch = sandbox_namespace, client.BatchV1Api(api_client)
    batch.create_namespaced_job(ns, {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "fallback"},
        "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
                 "containers": [{"name": "task", "image": "busybox:1.36",
                                 "terminationMessagePolicy": "FallbackToLogsOnError",
                                 "env": [{"name": "SANDBOX_FAIL", "value": "1"}]}]}}}})
    state = terminated(core, ns, "fallback")
    pod = pods(core, ns, "fallback")[0].metadata.name
    assert state.exit_code == 1
    assert state.message == core.read_namespaced_pod_log(pod, ns).rstrip("\n")


def test_dockerfile_parsing() -> None:
    parsed = parse("ARG PY=3.12\nFROM python:${PY}-slim AS build\nRUN pip \\\n  install x\n"
                   "FROM build\nCOPY --from=build /a /b\n")
    assert [(s.base, s.alias) for s in parsed.stages] == [("python:3.12-slim", "build"),
                                                          ("build", None)]
    assert parsed.stages[0].instructions[1].original == "RUN pip install x"
    assert parsed.stages[1].instructions[1].flags() == {"from": "build"}
    heredoc = parse("FROM alpine\nRUN <<EOF\necho hi\nexit 4\nEOF\nCMD [\"sh\"]\n").stages[0]
    assert [i.original for i in heredoc.instructions] == ["FROM alpine", "RUN <<EOF",
                                                          'CMD ["sh"]']
    assert run_exit_status(heredoc.instructions[1].command()) == 4
    for text in ("", "# only a comment\n", "RUN true\n", "FROM\n"):
        with pytest.raises(DockerfileError):
            parse(text)
    assert [run_exit_status(c) for c in ("true", "false", "exit 0", "cd x && exit 4",
                                         "true || false", "SANDBOX_FAIL=1 x")] == [0, 1, 0, 4,
                                                                                   0, 1]


def test_context_configmap_over_one_mebibyte_is_rejected(core: client.CoreV1Api,
                                                          sandbox_namespace: str) -> None:
    from kubernetes.client.rest import ApiException

    def configmap(size: int) -> dict[str, Any]:
        return {"metadata": {"name": f"ctx-{size}"},
                "binaryData": {"context.tar.gz": base64.b64encode(b"x" * size).decode()}}

    core.create_namespaced_config_map(sandbox_namespace, configmap(1024 * 1024))
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map(sandbox_namespace, configmap(1024 * 1024 + 1))
    assert raised.value.status == 422
    assert json.loads(raised.value.body)["message"] == (
        'ConfigMap "ctx-1048577" is invalid: []: Too long: must have at most 1048576 bytes')
