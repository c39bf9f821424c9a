"""Jobs and CronJobs."""

from __future__ import annotations

from typing import Any

from .common import NOW, condition, counts, metadata, pod_template


def job(
    name: str = "migrate",
    *,
    active: int = 0,
    succeeded: int = 0,
    failed: int = 0,
    conditions: list[dict[str, Any]] | None = None,
    suspend: bool = False,
    owner: str | None = None,
    start_time: str = NOW,
) -> dict[str, Any]:
    meta = metadata(name, generation=1)
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "name": owner,
                "uid": f"uid-{owner}",
                "controller": True,
            }
        ]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "backoffLimit": 4,
            "suspend": suspend,
            "template": {
                **pod_template("migrate:1"),
                "spec": {**pod_template()["spec"], "restartPolicy": "Never"},
            },
        },
        "status": {
            "startTime": start_time,
            **counts(active=active, succeeded=succeeded, failed=failed),
            **({"conditions": conditions} if conditions else {}),
            "ready": 0,
        },
    }


def job_complete(**kwargs: Any) -> dict[str, Any]:
    return job(
        succeeded=1,
        conditions=[condition("SuccessCriteriaMet", "True"), condition("Complete", "True")],
        **kwargs,
    )


def job_failed(
    reason: str = "BackoffLimitExceeded",
    message: str = "Job has reached the specified backoff limit",
    **kwargs: Any,
) -> dict[str, Any]:
    return job(
        failed=5,
        conditions=[
            condition("FailureTarget", "True", reason, message),
            condition("Failed", "True", reason, message),
        ],
        **kwargs,
    )


def cronjob(
    *,
    suspend: bool = False,
    last_schedule: str | None = None,
    last_success: str | None = None,
    active: list[str] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    if last_schedule:
        status["lastScheduleTime"] = last_schedule
    if last_success:
        status["lastSuccessfulTime"] = last_success
    if active:
        status["active"] = [
            {"kind": "Job", "namespace": "shop", "name": n, "apiVersion": "batch/v1"}
            for n in active
        ]
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata("nightly", generation=1),
        "spec": {
            "schedule": "0 2 * * *",
            "suspend": suspend,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": job()["spec"]},
        },
        "status": status,
    }
