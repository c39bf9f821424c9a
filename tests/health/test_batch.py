"""Job and CronJob rules."""

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

JOB_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("complete", k8s.job_complete(), H, "completed: 1/1 succeeded"),
    (
        "backoff limit",
        k8s.job_failed(),
        D,
        "BackoffLimitExceeded: Job has reached the specified backoff limit",
    ),
    (
        "deadline",
        k8s.job_failed("DeadlineExceeded", "Job was active longer than specified deadline"),
        D,
        "DeadlineExceeded: Job was active longer",
    ),
    (
        "suspended condition",
        k8s.job(
            suspend=True,
            conditions=[k8s.condition("Suspended", "True", "JobSuspended", "Job suspended")],
        ),
        S,
        "suspended",
    ),
    ("suspend requested", k8s.job(suspend=True), S, "suspended"),
    ("active", k8s.job(active=1), P, "running: 1 active, 0/1 succeeded"),
    ("retrying", k8s.job(active=1, failed=2), P, "2 failed attempts (backoff limit 4)"),
    ("not started", k8s.job(), P, "waiting for pods to start"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in JOB_CASES],
    ids=[case[0] for case in JOB_CASES],
)
def test_job(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_job_with_unpullable_image_is_degraded() -> None:
    pod = k8s.pod(
        "migrate-7x2lq",
        restart_policy="Never",
        containers=[k8s.waiting("ErrImagePull", "pull access denied")],
    )
    health = assess(k8s.job(active=1), pods=[pod])
    assert health.status is D
    assert "pod migrate-7x2lq container app: ErrImagePull: pull access denied" in health.message


EARLY, LATE = "2025-03-01T02:00:00Z", "2025-03-02T02:00:00Z"

CRONJOB_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], HealthStatus, str]] = [
    ("suspended", k8s.cronjob(suspend=True), [], S, "suspended"),
    ("never ran", k8s.cronjob(), [], H, "not run yet"),
    (
        "last run succeeded",
        k8s.cronjob(last_schedule=LATE, last_success=LATE),
        [],
        H,
        f"last scheduled {LATE}",
    ),
    (
        "last run failed (status)",
        k8s.cronjob(last_schedule=LATE, last_success=EARLY),
        [],
        D,
        "did not succeed",
    ),
    (
        "running (status)",
        k8s.cronjob(last_schedule=LATE, last_success=EARLY, active=["nightly-29012"]),
        [],
        H,
        "job nightly-29012 running",
    ),
    (
        "newest job failed",
        k8s.cronjob(last_schedule=LATE),
        [
            k8s.job_complete(name="nightly-1", owner="nightly", start_time=EARLY),
            k8s.job_failed(name="nightly-2", owner="nightly", start_time=LATE),
        ],
        D,
        "last run nightly-2 failed: BackoffLimitExceeded",
    ),
    (
        "older job failed, newest succeeded",
        k8s.cronjob(last_schedule=LATE, last_success=LATE),
        [
            k8s.job_failed(name="nightly-1", owner="nightly", start_time=EARLY),
            k8s.job_complete(name="nightly-2", owner="nightly", start_time=LATE),
        ],
        H,
        "last run nightly-2 completed",
    ),
    (
        "newest job running",
        k8s.cronjob(last_schedule=LATE),
        [k8s.job(name="nightly-2", owner="nightly", active=1, start_time=LATE)],
        H,
        "job nightly-2 running",
    ),
    (
        "jobs of another cronjob are ignored",
        k8s.cronjob(last_schedule=LATE, last_success=LATE),
        [k8s.job_failed(name="other-1", owner="other", start_time=LATE)],
        H,
        "last scheduled",
    ),
]


@pytest.mark.parametrize(
    ("obj", "related", "status", "message"),
    [case[1:] for case in CRONJOB_CASES],
    ids=[case[0] for case in CRONJOB_CASES],
)
def test_cronjob(
    obj: dict[str, Any], related: list[dict[str, Any]], status: HealthStatus, message: str
) -> None:
    health = assess(obj, related=related)
    assert health.status is status
    assert message in health.message


def test_cronjob_details_have_schedule_times() -> None:
    details = assess(k8s.cronjob(last_schedule=LATE, last_success=LATE)).details
    assert details["last_schedule_time"] == LATE
    assert details["last_successful_time"] == LATE
    assert details["schedule"] == "0 2 * * *"
