"""CronJob health: suspended, or judged by its most recent Job.

The CronJob object alone cannot say whether runs succeed. Callers pass the Jobs it owns in
``related``; the newest one decides. Without them we fall back to the status timestamps:
a last schedule newer than the last success with nothing active means the last run failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .fields import as_list, as_map, dig, name_of, spec, status
from .job import assess_job
from .model import Context, Health, HealthStatus, degraded, healthy, suspended
from .registry import register


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _owned_by(job: Mapping[str, Any], cronjob: Mapping[str, Any]) -> bool:
    uid = dig(cronjob, "metadata", "uid")
    for ref in as_list(dig(job, "metadata", "ownerReferences")):
        ref = as_map(ref)
        if ref.get("kind") != "CronJob":
            continue
        if (uid and ref.get("uid") == uid) or (not uid and ref.get("name") == name_of(cronjob)):
            return True
    return False


def _started(job: Mapping[str, Any]) -> datetime:
    parsed = _timestamp(
        dig(job, "status", "startTime") or dig(job, "metadata", "creationTimestamp")
    )
    # API timestamps are all UTC; drop tzinfo so a missing stamp (datetime.min) still compares.
    return parsed.replace(tzinfo=None) if parsed else datetime.min


def _newest(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return max(jobs, key=_started)


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st = status(obj)
    return {
        "schedule": spec(obj).get("schedule"),
        "time_zone": spec(obj).get("timeZone"),
        "last_schedule_time": st.get("lastScheduleTime"),
        "last_successful_time": st.get("lastSuccessfulTime"),
        "active_jobs": [as_map(ref).get("name") for ref in as_list(st.get("active"))],
    }


def _from_last_job(job: dict[str, Any], d: dict[str, Any]) -> Health:
    job_health = assess_job(job, Context())
    name = name_of(job)
    d = {**d, "last_job": name, "last_job_status": str(job_health.status)}
    if job_health.status is HealthStatus.DEGRADED:
        return degraded(f"last run {name} failed: {job_health.message}", **d)
    if job_health.status is HealthStatus.PROGRESSING:
        return healthy(f"job {name} running", **d)
    return healthy(f"last run {name} {job_health.message}", **d)


def _from_timestamps(d: dict[str, Any]) -> Health:
    scheduled = _timestamp(d["last_schedule_time"])
    succeeded = _timestamp(d["last_successful_time"])
    if scheduled is None:
        return healthy(f"not run yet (schedule {d['schedule']})", **d)
    if d["active_jobs"]:
        return healthy(f"job {d['active_jobs'][0]} running", **d)
    if succeeded is not None and succeeded < scheduled:
        return degraded(f"last run (scheduled {d['last_schedule_time']}) did not succeed", **d)
    return healthy(f"last scheduled {d['last_schedule_time']}", **d)


@register("CronJob", "batch")
def assess_cronjob(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    if spec(obj).get("suspend") is True:
        return suspended("suspended: no new runs are scheduled", **d)
    jobs = [job for job in ctx.related_of_kind("Job") if _owned_by(job, obj)]
    if jobs:
        return _from_last_job(_newest(jobs), d)
    return _from_timestamps(d)
