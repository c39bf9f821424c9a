"""ReplicaSet (and the legacy ReplicationController): available vs desired replicas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_int, condition_is, generation_lag, generation_message, spec, status
from .model import Context, Health, degraded, healthy, progressing
from .pods import escalate_with_pods
from .registry import register


@register("ReplicaSet", "apps", "extensions")
@register("ReplicationController", "")
def assess_replicaset(obj: Mapping[str, Any], ctx: Context) -> Health:
    st = status(obj)
    desired = as_int(spec(obj).get("replicas"), 1)
    ready = as_int(st.get("readyReplicas"))
    available = as_int(st.get("availableReplicas"))
    details = {
        "desired_replicas": desired,
        "ready_replicas": ready,
        "available_replicas": available,
    }
    lag = generation_lag(obj, observed_required=True)
    if lag is not None:
        return progressing(generation_message(lag), **details)
    failure = condition_is(obj, "ReplicaFailure", "True")
    if failure is not None:
        message = str(failure.get("message") or "failed to create pods")
        return degraded(message, reason=failure.get("reason"), **details)
    if available < desired:
        waiting = progressing(f"{available}/{desired} replicas available", **details)
        return escalate_with_pods(waiting, ctx.pods)
    if desired == 0:
        return healthy("scaled to zero", **details)
    return healthy(f"{available}/{desired} replicas ready", **details)
