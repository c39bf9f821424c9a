"""StatefulSet health: readiness, then the update strategy (OnDelete / partitioned / full)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_int, dig, generation_lag, generation_message, spec, status
from .model import Context, Health, healthy, progressing
from .pods import escalate_with_pods
from .registry import register


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st = status(obj)
    ready = as_int(st.get("readyReplicas"))
    return {
        "desired_replicas": as_int(spec(obj).get("replicas"), 1),
        "current_replicas": as_int(st.get("replicas")),
        "ready_replicas": ready,
        # availableReplicas (minReadySeconds) is only published by newer control planes.
        "available_replicas": as_int(st.get("availableReplicas"), ready),
        "updated_replicas": as_int(st.get("updatedReplicas")),
        "current_revision": st.get("currentRevision"),
        "update_revision": st.get("updateRevision"),
        "update_strategy": dig(obj, "spec", "updateStrategy", "type") or "RollingUpdate",
        "partition": as_int(dig(obj, "spec", "updateStrategy", "rollingUpdate", "partition")),
    }


def _readiness_message(d: dict[str, Any]) -> str | None:
    desired = d["desired_replicas"]
    if d["ready_replicas"] < desired:
        return f"Waiting for {desired - d['ready_replicas']} pods to be ready..."
    if d["available_replicas"] < desired:
        return f"{d['available_replicas']}/{desired} pods available (minReadySeconds)"
    if d["current_replicas"] > desired:
        return f"scaling down: {d['current_replicas'] - desired} pods pending termination"
    return None


def _update_message(d: dict[str, Any]) -> str | None:
    """Why the pods do not all run the wanted revision yet (``None`` if nothing to wait for)."""
    if d["partition"] > 0:
        target = max(d["desired_replicas"] - d["partition"], 0)
        if d["updated_replicas"] < target:
            return (
                "Waiting for partitioned roll out to finish: "
                f"{d['updated_replicas']} out of {target} new pods have been updated..."
            )
        return None  # the pods below the partition stay on the old revision by design
    if (
        d["current_revision"] != d["update_revision"]
        or d["updated_replicas"] < d["desired_replicas"]
    ):
        return (
            "waiting for statefulset rolling update to complete "
            f"{d['updated_replicas']} pods at revision {d['update_revision']}..."
        )
    return None


def _healthy(d: dict[str, Any]) -> Health:
    desired = d["desired_replicas"]
    if desired == 0:
        return healthy("scaled to zero", **d)
    message = f"{d['ready_replicas']}/{desired} pods ready"
    outdated = desired - d["updated_replicas"]
    if d["update_strategy"] == "OnDelete" and outdated > 0:
        # OnDelete never converges by itself (kubectl/Argo call it healthy); say what to do.
        message += f"; {outdated} on an old revision (OnDelete: delete them to update)"
    elif d["partition"] > 0:
        message += f"; partitioned roll out complete ({d['updated_replicas']} updated)"
    return healthy(message, **d)


@register("StatefulSet", "apps")
def assess_statefulset(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    lag = generation_lag(obj, observed_required=True)
    if lag is not None:
        return progressing(generation_message(lag), **d)
    waiting = _readiness_message(d)
    # With no pods the controller never moves currentRevision, so a revision gap means nothing.
    nothing_to_update = d["desired_replicas"] == 0 or d["update_strategy"] == "OnDelete"
    if waiting is None and not nothing_to_update:
        waiting = _update_message(d)
    if waiting is not None:
        return escalate_with_pods(progressing(waiting, **d), ctx.pods)
    return _healthy(d)
