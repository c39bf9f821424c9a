"""Deployment health: kubectl rollout status semantics plus pod diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import (
    as_int,
    condition,
    condition_is,
    dig,
    generation_lag,
    generation_message,
    name_of,
    spec,
    status,
)
from .model import Context, Health, degraded, healthy, progressing, suspended
from .pods import escalate_with_pods
from .registry import register

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def _replica_details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st = status(obj)
    return {
        "desired_replicas": as_int(spec(obj).get("replicas"), 1),
        "current_replicas": as_int(st.get("replicas")),
        "updated_replicas": as_int(st.get("updatedReplicas")),
        "ready_replicas": as_int(st.get("readyReplicas")),
        "available_replicas": as_int(st.get("availableReplicas")),
        "revision": dig(obj, "metadata", "annotations", REVISION_ANNOTATION),
    }


def _rollout_message(d: dict[str, Any]) -> str | None:
    """kubectl's wording, so users recognise it; ``None`` once the rollout is done."""
    desired, updated = d["desired_replicas"], d["updated_replicas"]
    if updated < desired:
        return (
            f"Waiting for rollout to finish: {updated} out of {desired} "
            "new replicas have been updated..."
        )
    if d["current_replicas"] > updated:
        old = d["current_replicas"] - updated
        return f"Waiting for rollout to finish: {old} old replicas are pending termination..."
    if d["available_replicas"] < updated:
        return (
            f"Waiting for rollout to finish: {d['available_replicas']} of {updated} "
            "updated replicas are available..."
        )
    return None


def _failure(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    progress = condition(obj, "Progressing")
    if progress is not None and progress.get("reason") == "ProgressDeadlineExceeded":
        return progress
    # FailedCreate (quota, admission webhooks, PSA): pods are not even created.
    return condition_is(obj, "ReplicaFailure", "True")


@register("Deployment", "apps", "extensions")
def assess_deployment(obj: Mapping[str, Any], ctx: Context) -> Health:
    details = _replica_details(obj)
    if spec(obj).get("paused") is True:
        return suspended("rollout paused", **details)
    lag = generation_lag(obj, observed_required=True)
    if lag is not None:
        return progressing(generation_message(lag), **details)
    failure = _failure(obj)
    if failure is not None:
        message = str(failure.get("message") or f'deployment "{name_of(obj)}" failed')
        return escalate_with_pods(
            degraded(message, reason=failure.get("reason"), **details), ctx.pods
        )
    rollout = _rollout_message(details)
    if rollout is not None:
        return escalate_with_pods(progressing(rollout, **details), ctx.pods)
    if details["desired_replicas"] == 0:
        return healthy("scaled to zero", **details)
    ready = f"{details['available_replicas']}/{details['desired_replicas']}"
    return healthy(f"{ready} replicas ready", **details)
