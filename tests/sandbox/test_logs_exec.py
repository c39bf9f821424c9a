# The typed kubernetes models make every field Optional and want model objects where the
# API accepts plain dicts; these tests read fields the sandbox has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""Pod logs (tail, follow, previous, container choice) and exec over WebSocket."""

from __future__ import annotations

import json
import time

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from deployments.sandbox import SandboxCluster

from .conftest import deployment, wait_for


def _running_pod(core: client.CoreV1Api, ns: str, app: str) -> str:
    pod = wait_for(lambda: next(p for p in core.list_namespaced_pod(
        ns, label_selector=f"app={app}").items if p.status.phase == "Running"))
    return str(pod.metadata.name)


def test_logs_tail_and_timestamps(apps: client.AppsV1Api, core: client.CoreV1Api,
                                  sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("logs"))
    pod = _running_pod(core, ns, "logs")
    full = core.read_namespaced_pod_log(pod, ns)
    assert "Configuration complete; ready for start up" in full
    wait_for(lambda: "kube-probe" in core.read_namespaced_pod_log(pod, ns))
    tail = core.read_namespaced_pod_log(pod, ns, tail_lines=1)
    assert tail.count("\n") == 1
    stamped = core.read_namespaced_pod_log(pod, ns, tail_lines=1, timestamps=True)
    assert stamped[:4].isdigit() and stamped.split(" ", 1)[0].endswith("Z")


def test_logs_follow_streams_new_lines(apps: client.AppsV1Api, core: client.CoreV1Api,
                                       sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("follow"))
    pod = _running_pod(core, ns, "follow")
    response = core.read_namespaced_pod_log(pod, ns, follow=True, tail_lines=0,
                                            _preload_content=False)
    started = time.monotonic()
    received = b""
    for chunk in response.stream(amt=1024):
        received += chunk
        if b"kube-probe" in received:
            break
    response.close()
    assert b"kube-probe" in received and time.monotonic() - started < 5


def test_previous_logs_of_a_crashed_container(apps: client.AppsV1Api, core: client.CoreV1Api,
                                              sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("crashy", env={"SANDBOX_CRASH": "1"}))
    pod = wait_for(lambda: next(p for p in core.list_namespaced_pod(
        ns, label_selector="app=crashy").items if p.status.container_statuses[0].restart_count))
    previous = core.read_namespaced_pod_log(pod.metadata.name, ns, previous=True)
    assert "SANDBOX_CRASH=1" in previous and "exiting with status 1" in previous


def test_logs_need_a_container_name_when_there_are_several(
        core: client.CoreV1Api, sandbox_namespace: str) -> None:
    core.create_namespaced_pod(sandbox_namespace, {"metadata": {"name": "two"}, "spec": {
        "containers": [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "redis:7"}]}})
    wait_for(lambda: core.read_namespaced_pod("two", sandbox_namespace).status.phase == "Running")
    with pytest.raises(ApiException) as error:
        core.read_namespaced_pod_log("two", sandbox_namespace)
    assert error.value.status == 400
    assert json.loads(error.value.body)["message"] == (
        "a container name must be specified for pod two, choose one of: [a b]")
    assert "Redis" in core.read_namespaced_pod_log("two", sandbox_namespace, container="b")


def test_exec_interactive_shell_with_resize(apps: client.AppsV1Api, core: client.CoreV1Api,
                                            sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("shell", env={"GREETING": "hello"}))
    pod = _running_pod(core, ns, "shell")
    session = stream(core.connect_get_namespaced_pod_exec, pod, ns, command=["/bin/sh"],
                     stdin=True, stdout=True, stderr=True, tty=True, _preload_content=False)
    output = ""

    def read_until(text: str) -> str:
        nonlocal output
        deadline = time.monotonic() + 5
        while text not in output and time.monotonic() < deadline:
            session.update(timeout=0.2)
            output += session.read_stdout()
        assert text in output, output
        return output

    read_until("KubeOrch sandbox")
    session.write_channel(4, json.dumps({"Width": 120, "Height": 40}))
    session.write_stdin("echo hi\n")
    assert "\r\nhi\r\n" in read_until("\r\nhi\r\n")
    session.write_stdin("stty size; hostname; echo $GREETING; nosuchcmd\n")
    read_until("nosuchcmd: not found")
    assert "40 120" in output and pod in output and "hello" in output
    session.write_stdin("exit 3\n")
    session.run_forever(timeout=5)
    assert session.returncode == 3


def test_exec_non_interactive_command(apps: client.AppsV1Api, core: client.CoreV1Api,
                                      sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("oneshot"))
    pod = _running_pod(core, ns, "oneshot")
    assert stream(core.connect_get_namespaced_pod_exec, pod, ns, command=["echo", "hi"],
                  stdin=False, stdout=True, stderr=True, tty=False) == "hi\n"
    session = stream(core.connect_get_namespaced_pod_exec, pod, ns,
                     command=["sh", "-c", "cat /etc/hostname; whoami; missing"],
                     stdout=True, stderr=True, _preload_content=False)
    session.run_forever(timeout=5)
    assert session.read_stdout() == f"{pod}\nroot\n"
    assert session.read_stderr() == "sh: missing: not found\n"
    assert session.returncode == 127


def test_exec_into_a_pod_that_is_not_running_is_refused(
        core: client.CoreV1Api, sandbox: SandboxCluster, sandbox_namespace: str) -> None:
    core.create_namespaced_pod(sandbox_namespace, {"metadata": {"name": "pending"}, "spec": {
        "containers": [{"name": "c", "image": "nginx:missing"}]}})
    with pytest.raises(ApiException) as error:
        stream(core.connect_get_namespaced_pod_exec, "pending", sandbox_namespace,
               command=["echo", "hi"], stdout=True, stderr=True, stdin=False, tty=False)
    # The websocket client reports the refused upgrade's status line in the reason.
    assert "400" in str(error.value)
