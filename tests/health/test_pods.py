"""Pod kind rules and the shared pod-problem detection used by every workload."""

from __future__ import annotations

from typing import Any

import pytest

from deployments.health import HealthStatus, assess

from . import k8s

H, P, D, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
)

PULL_MESSAGE = (
    "rpc error: code = NotFound desc = failed to pull and unpack image "
    '"docker.io/library/nginx:1.99": not found'
)
OOM = k8s.termination("OOMKilled", 137)

# (id, container status, reason expected in the message, kubelet text expected)
PROBLEM_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("ErrImagePull", k8s.waiting("ErrImagePull", PULL_MESSAGE), "ErrImagePull", "not found"),
    (
        "ImagePullBackOff",
        k8s.waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.99"'),
        "ImagePullBackOff",
        'Back-off pulling image "nginx:1.99"',
    ),
    (
        "CrashLoopBackOff",
        k8s.waiting(
            "CrashLoopBackOff",
            "back-off 5m0s restarting failed container=app pod=web-1",
            restarts=9,
            last_terminated=k8s.termination("Error", 1),
        ),
        "CrashLoopBackOff",
        "back-off 5m0s",
    ),
    (
        "OOMKilled in lastState",
        k8s.waiting("CrashLoopBackOff", "back-off 40s", restarts=3, last_terminated=OOM),
        "OOMKilled",
        "exit code 137",
    ),
    ("OOMKilled in state", k8s.terminated("OOMKilled", 137), "OOMKilled", "exit code 137"),
    (
        "CreateContainerConfigError",
        k8s.waiting("CreateContainerConfigError", 'secret "db-credentials" not found'),
        "CreateContainerConfigError",
        'secret "db-credentials" not found',
    ),
    (
        "InvalidImageName",
        k8s.waiting(
            "InvalidImageName", 'Failed to apply default image tag "nginx:": invalid reference'
        ),
        "InvalidImageName",
        "invalid reference",
    ),
]


@pytest.mark.parametrize(
    ("container", "reason", "kubelet_text"),
    [case[1:] for case in PROBLEM_CASES],
    ids=[case[0] for case in PROBLEM_CASES],
)
def test_degraded_pod_reasons_name_pod_container_reason_and_message(
    container: dict[str, Any], reason: str, kubelet_text: str
) -> None:
    pod = k8s.pod("web-7d4b9c-q9z8w", containers=[container])
    for health in (assess(pod), assess(k8s.deployment(3, ready=2), pods=[pod])):
        assert health.status is D
        assert "pod web-7d4b9c-q9z8w" in health.message
        assert "container app" in health.message
        assert reason in health.message
        assert kubelet_text in health.message


def test_unschedulable_pod_is_degraded_with_scheduler_message() -> None:
    message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available."
    health = assess(k8s.unschedulable_pod(message))
    assert health.status is D
    assert "Unschedulable" in health.message
    assert "3 Insufficient cpu" in health.message


def test_failing_init_container_is_reported() -> None:
    init = k8s.waiting("CrashLoopBackOff", "back-off 20s", name="migrate", restarts=2)
    pod = k8s.pod(
        phase="Pending", init_containers=[init], containers=[k8s.waiting("PodInitializing")]
    )
    health = assess(pod)
    assert health.status is D
    assert "container migrate: CrashLoopBackOff" in health.message


def test_recovered_oom_is_not_a_problem_but_restarts_show() -> None:
    pod = k8s.pod(containers=[k8s.running(restarts=1, last_terminated=OOM)])
    health = assess(pod)
    assert health.status is H
    assert health.details["restart_counts"] == {"app": 1}


def test_long_kubelet_messages_are_shortened_but_kept_in_details() -> None:
    long_message = "manifest unknown: " + "x" * 1000
    pod = k8s.pod(containers=[k8s.waiting("ErrImagePull", long_message)])
    health = assess(k8s.deployment(3, ready=2), pods=[pod])
    assert len(health.message) < 320
    assert health.details["pod_problems"][0]["message"] == long_message


def test_several_broken_pods_are_counted() -> None:
    pods = [k8s.pod(f"web-{i}", containers=[k8s.waiting("ImagePullBackOff")]) for i in range(3)]
    health = assess(k8s.deployment(3, ready=0), pods=pods)
    assert "pod web-0" in health.message
    assert "+2 more pods affected" in health.message


def test_terminating_pods_do_not_explain_a_workload() -> None:
    leaving = k8s.pod(containers=[k8s.waiting("CrashLoopBackOff")], deletionTimestamp=k8s.NOW)
    assert assess(k8s.deployment(3, ready=2), pods=[leaving]).status is P


POD_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("running and ready", k8s.pod(), H, "running, 1/1 containers ready"),
    (
        "running not ready",
        k8s.pod(containers=[k8s.running(ready=False)]),
        P,
        "running, 0/1 containers ready",
    ),
    ("job pod running", k8s.pod(restart_policy="Never"), P, "running to completion"),
    (
        "succeeded",
        k8s.pod(
            phase="Succeeded", restart_policy="Never", containers=[k8s.terminated("Completed", 0)]
        ),
        H,
        "completed",
    ),
    (
        "failed container",
        k8s.pod(phase="Failed", restart_policy="Never", containers=[k8s.terminated("Error", 2)]),
        D,
        "container app exited with code 2 (Error)",
    ),
    (
        "evicted",
        k8s.pod(
            phase="Failed",
            containers=[],
            reason="Evicted",
            message="The node was low on resource: memory.",
        ),
        D,
        "Evicted: The node was low on resource: memory.",
    ),
    (
        "container creating",
        k8s.pod(phase="Pending", containers=[k8s.waiting("ContainerCreating")]),
        P,
        "pending: container app ContainerCreating",
    ),
    ("terminating", k8s.pod(deletionTimestamp=k8s.NOW), P, "being deleted"),
    ("unknown phase", k8s.pod(phase="Unknown"), U, "node may be unreachable"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in POD_CASES],
    ids=[case[0] for case in POD_CASES],
)
def test_pod(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_pod_details() -> None:
    details = assess(k8s.pod()).details
    assert details["pod_ip"] == "10.244.1.17"
    assert details["pod_ips"] == ["10.244.1.17"]
    assert details["node"] == "node-a"
    assert details["ready_containers"] == 1
