"""Job health from its conditions (Failed / Complete / Suspended) and active pods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_int, condition_is, spec, status
from .model import Context, Health, degraded, healthy, progressing, suspended
from .pods import escalate_with_pods
from .registry import register


def job_details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st, sp = status(obj), spec(obj)
    return {
        "active": as_int(st.get("active")),
        "succeeded": as_int(st.get("succeeded")),
        "failed": as_int(st.get("failed")),
        "completions": as_int(sp.get("completions"), 1),
        "parallelism": as_int(sp.get("parallelism"), 1),
        "backoff_limit": as_int(sp.get("backoffLimit"), 6),
        "start_time": st.get("startTime"),
        "completion_time": st.get("completionTime"),
    }


def _failed(obj: Mapping[str, Any], d: dict[str, Any]) -> Health | None:
    # FailureTarget is set first (1.26+) while pods are still being terminated.
    for type_ in ("Failed", "FailureTarget"):
        found = condition_is(obj, type_, "True")
        if found is not None:
            reason = str(found.get("reason") or "Failed")
            message = str(found.get("message") or "job failed")
            return degraded(f"{reason}: {message}", reason=reason, **d)
    return None


@register("Job", "batch")
def assess_job(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = job_details(obj)
    failed = _failed(obj, d)
    if failed is not None:
        return failed
    if condition_is(obj, "Complete", "True") is not None:
        return healthy(f"completed: {d['succeeded']}/{d['completions']} succeeded", **d)
    if condition_is(obj, "Suspended", "True") is not None or spec(obj).get("suspend") is True:
        return suspended("suspended", **d)
    progress = f"{d['succeeded']}/{d['completions']} succeeded"
    if d["failed"]:
        progress += f", {d['failed']} failed attempts (backoff limit {d['backoff_limit']})"
    if d["active"]:
        waiting = progressing(f"running: {d['active']} active, {progress}", **d)
    else:
        waiting = progressing(f"waiting for pods to start ({progress})", **d)
    return escalate_with_pods(waiting, ctx.pods)
