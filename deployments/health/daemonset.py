"""DaemonSet health: scheduled / updated / available pods per eligible node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_int, dig, generation_lag, generation_message, name_of, status
from .model import Context, Health, healthy, progressing
from .pods import escalate_with_pods
from .registry import register


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    st = status(obj)
    return {
        "desired_scheduled": as_int(st.get("desiredNumberScheduled")),
        "current_scheduled": as_int(st.get("currentNumberScheduled")),
        "updated_scheduled": as_int(st.get("updatedNumberScheduled")),
        "ready": as_int(st.get("numberReady")),
        "available": as_int(st.get("numberAvailable")),
        "misscheduled": as_int(st.get("numberMisscheduled")),
        "update_strategy": dig(obj, "spec", "updateStrategy", "type") or "RollingUpdate",
    }


def _waiting_message(name: str, d: dict[str, Any]) -> str | None:
    desired, updated = d["desired_scheduled"], d["updated_scheduled"]
    prefix = f'Waiting for daemon set "{name}" rollout to finish'
    # OnDelete only replaces pods the user deletes, so an old revision is not "in progress".
    if d["update_strategy"] != "OnDelete" and updated < desired:
        return f"{prefix}: {updated} out of {desired} new pods have been updated..."
    if d["available"] < desired:
        reference = desired if d["update_strategy"] == "OnDelete" else updated
        return f"{prefix}: {d['available']} of {reference} updated pods are available..."
    if d["misscheduled"] > 0:
        return f"{d['misscheduled']} pods run on nodes they should not; waiting for removal"
    return None


@register("DaemonSet", "apps", "extensions")
def assess_daemonset(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    lag = generation_lag(obj, observed_required=True)
    if lag is not None:
        return progressing(generation_message(lag), **d)
    waiting = _waiting_message(name_of(obj), d)
    if waiting is not None:
        return escalate_with_pods(progressing(waiting, **d), ctx.pods)
    desired = d["desired_scheduled"]
    if desired == 0:
        return healthy("no node matches its node selector / tolerations (0 pods)", **d)
    message = f"{d['available']}/{desired} pods available"
    outdated = desired - d["updated_scheduled"]
    if outdated > 0:
        message += f"; {outdated} on an old revision (OnDelete: delete them to update)"
    return healthy(message, **d)
