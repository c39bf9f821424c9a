"""Deployment, StatefulSet, DaemonSet and ReplicaSet rules, each as a table row."""

from __future__ import annotations

from typing import Any

import pytest

from deployments.health import HealthStatus, assess

from . import k8s

H, P, D, S = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
)

DEADLINE = k8s.condition(
    "Progressing",
    "False",
    "ProgressDeadlineExceeded",
    'ReplicaSet "web-7d4b9c" has timed out progressing.',
)
QUOTA = k8s.condition(
    "ReplicaFailure",
    "True",
    "FailedCreate",
    'pods "web-7d4b9c-abcde" is forbidden: exceeded quota: compute, requested: cpu=500m',
)

DEPLOYMENT_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("rolled out", k8s.deployment(3), H, "3/3 replicas ready"),
    ("scaled to zero", k8s.deployment(0), H, "scaled to zero"),
    ("paused", k8s.deployment(3, updated=1, paused=True), S, "paused"),
    (
        "generation lag",
        k8s.deployment(3, generation=5, observed=4),
        P,
        "waiting for the controller to observe generation 5",
    ),
    (
        "status never written",
        k8s.deployment(3, generation=1, observed=0),
        P,
        "observe generation 1",
    ),
    (
        "new replicas not updated",
        k8s.deployment(3, updated=1, current=4),
        P,
        "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...",
    ),
    (
        "old replicas terminating",
        k8s.deployment(3, current=4),
        P,
        "Waiting for rollout to finish: 1 old replicas are pending termination...",
    ),
    (
        "updated but not available",
        k8s.deployment(3, ready=2),
        P,
        "Waiting for rollout to finish: 2 of 3 updated replicas are available...",
    ),
    (
        "progress deadline exceeded",
        k8s.deployment(3, updated=1, conditions=[DEADLINE]),
        D,
        'ReplicaSet "web-7d4b9c" has timed out progressing.',
    ),
    (
        "replica failure (quota)",
        k8s.deployment(3, ready=0, conditions=[QUOTA]),
        D,
        "exceeded quota",
    ),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in DEPLOYMENT_CASES],
    ids=[case[0] for case in DEPLOYMENT_CASES],
)
def test_deployment(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_deployment_details_carry_counts() -> None:
    details = assess(k8s.deployment(3, ready=2)).details
    assert details["desired_replicas"] == 3
    assert details["ready_replicas"] == 2
    assert details["revision"] == "2"


def test_deployment_healthy_pods_do_not_escalate() -> None:
    health = assess(k8s.deployment(3, ready=2), pods=[k8s.pod(), k8s.pod("web-2")])
    assert health.status is P


def test_deployment_pod_problem_turns_rollout_degraded_and_keeps_rollout_text() -> None:
    broken = k8s.pod(
        "web-7d4b9c-q9z8w",
        containers=[k8s.waiting("ImagePullBackOff", 'Back-off pulling image "x"')],
    )
    health = assess(k8s.deployment(3, ready=2), pods=[k8s.pod(), broken])
    assert health.status is D
    assert health.message.startswith("pod web-7d4b9c-q9z8w container app: ImagePullBackOff")
    assert health.details["rollout"].startswith("Waiting for rollout to finish")
    assert health.details["pod_problems"][0]["reason"] == "ImagePullBackOff"


def test_deadline_exceeded_is_explained_by_the_pod_reason() -> None:
    broken = k8s.pod(
        "web-7d4b9c-q9z8w",
        containers=[k8s.waiting("ImagePullBackOff", 'Back-off pulling image "nginx:missing"')],
    )
    health = assess(k8s.deployment(3, updated=1, conditions=[DEADLINE]), pods=[broken])
    assert health.status is D
    assert "ImagePullBackOff" in health.message
    assert health.details["rollout"] == 'ReplicaSet "web-7d4b9c" has timed out progressing.'
    assert health.details["reason"] == "ProgressDeadlineExceeded"


def test_pod_problems_do_not_override_paused() -> None:
    broken = k8s.pod(containers=[k8s.waiting("CrashLoopBackOff")])
    assert assess(k8s.deployment(3, ready=2, paused=True), pods=[broken]).status is S


STATEFULSET_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("all ready", k8s.statefulset(3), H, "3/3 pods ready"),
    ("scaled to zero", k8s.statefulset(0), H, "scaled to zero"),
    (
        "scaled to zero after a spec change",
        k8s.statefulset(0, update_revision="db-8c1d"),
        H,
        "scaled to zero",
    ),
    ("generation lag", k8s.statefulset(3, generation=3, observed=2), P, "observe generation 3"),
    ("pods not ready", k8s.statefulset(3, ready=1), P, "Waiting for 2 pods to be ready..."),
    (
        "revision rolling",
        k8s.statefulset(3, updated=1, update_revision="db-8c1d"),
        P,
        "waiting for statefulset rolling update to complete 1 pods at revision db-8c1d...",
    ),
    (
        "partition pending",
        k8s.statefulset(4, updated=1, partition=2, update_revision="db-8c1d"),
        P,
        "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...",
    ),
    (
        "partition complete",
        k8s.statefulset(4, updated=2, partition=2, update_revision="db-8c1d"),
        H,
        "partitioned roll out complete",
    ),
    (
        "OnDelete outdated pods",
        k8s.statefulset(3, updated=0, strategy="OnDelete", update_revision="db-8c1d"),
        H,
        "3 on an old revision (OnDelete: delete them to update)",
    ),
    (
        "OnDelete not ready",
        k8s.statefulset(3, ready=2, strategy="OnDelete"),
        P,
        "Waiting for 1 pods to be ready",
    ),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in STATEFULSET_CASES],
    ids=[case[0] for case in STATEFULSET_CASES],
)
def test_statefulset(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_statefulset_unschedulable_pod_is_degraded_with_scheduler_message() -> None:
    message = "0/3 nodes are available: 3 Insufficient memory."
    health = assess(k8s.statefulset(3, ready=2), pods=[k8s.unschedulable_pod(message)])
    assert health.status is D
    assert "Unschedulable" in health.message
    assert message in health.message


DAEMONSET_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("all available", k8s.daemonset(3), H, "3/3 pods available"),
    ("no eligible nodes", k8s.daemonset(0), H, "0 pods"),
    ("generation lag", k8s.daemonset(3, generation=2, observed=1), P, "observe generation 2"),
    (
        "updating",
        k8s.daemonset(3, updated=1),
        P,
        'Waiting for daemon set "node-agent" rollout to finish: 1 out of 3 new pods have been '
        "updated...",
    ),
    ("not available", k8s.daemonset(3, available=2), P, "2 of 3 updated pods are available"),
    ("misscheduled", k8s.daemonset(3, misscheduled=1), P, "1 pods run on nodes"),
    (
        "OnDelete outdated",
        k8s.daemonset(3, updated=1, available=3, strategy="OnDelete"),
        H,
        "2 on an old revision",
    ),
    (
        "OnDelete unavailable",
        k8s.daemonset(3, updated=1, available=2, strategy="OnDelete"),
        P,
        "2 of 3 updated pods are available",
    ),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in DAEMONSET_CASES],
    ids=[case[0] for case in DAEMONSET_CASES],
)
def test_daemonset(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


REPLICASET_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("available", k8s.replicaset(2), H, "2/2 replicas ready"),
    ("scaled to zero", k8s.replicaset(0), H, "scaled to zero"),
    ("partially available", k8s.replicaset(2, available=1), P, "1/2 replicas available"),
    ("replica failure", k8s.replicaset(2, available=0, conditions=[QUOTA]), D, "exceeded quota"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in REPLICASET_CASES],
    ids=[case[0] for case in REPLICASET_CASES],
)
def test_replicaset(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_replicaset_crashing_pod_is_degraded() -> None:
    crashing = k8s.pod(containers=[k8s.waiting("CrashLoopBackOff", "back-off 5m0s", restarts=7)])
    health = assess(k8s.replicaset(2, available=1), pods=[crashing])
    assert health.status is D
    assert "CrashLoopBackOff" in health.message
