"""HorizontalPodAutoscaler health from its AbleToScale / ScalingActive conditions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .fields import as_int, as_list, as_map, dig, generation_lag, generation_message, spec, status
from .model import Context, Health, degraded, healthy, progressing, suspended
from .registry import register

# autoscaling/v1 has no status.conditions; the controller stores them in this annotation.
V1_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
# ScalingActive=False for this reason just means the target was scaled to zero on purpose.
SCALING_DISABLED = "ScalingDisabled"


def _conditions(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = as_list(status(obj).get("conditions"))
    if not found:
        raw = dig(obj, "metadata", "annotations", V1_CONDITIONS_ANNOTATION)
        try:
            found = as_list(json.loads(raw)) if isinstance(raw, str) else []
        except ValueError:
            found = []
    return [as_map(c) for c in found]


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    sp, st = spec(obj), status(obj)
    target = as_map(sp.get("scaleTargetRef"))
    return {
        "current_replicas": as_int(st.get("currentReplicas")),
        "desired_replicas": as_int(st.get("desiredReplicas")),
        "min_replicas": as_int(sp.get("minReplicas"), 1),
        "max_replicas": as_int(sp.get("maxReplicas")),
        "target": f"{target.get('kind')}/{target.get('name')}" if target else None,
        "last_scale_time": st.get("lastScaleTime"),
        "current_metrics": as_list(st.get("currentMetrics")),
    }


def _condition_message(found: Mapping[str, Any]) -> str:
    return f"{found.get('reason') or found.get('type')}: {found.get('message') or ''}".strip()


def _find(conds: list[Mapping[str, Any]], type_: str, value: str) -> Mapping[str, Any] | None:
    return next((c for c in conds if c.get("type") == type_ and c.get("status") == value), None)


@register("HorizontalPodAutoscaler", "autoscaling")
def assess_hpa(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    lag = generation_lag(obj, observed_required=False)
    if lag is not None:
        return progressing(generation_message(lag), **d)
    conds = _conditions(obj)
    unable = _find(conds, "AbleToScale", "False")
    if unable is not None:
        return degraded(_condition_message(unable), reason=unable.get("reason"), **d)
    inactive = _find(conds, "ScalingActive", "False")
    if inactive is not None and inactive.get("reason") == SCALING_DISABLED:
        return suspended(_condition_message(inactive), reason=SCALING_DISABLED, **d)
    if inactive is not None:
        return degraded(_condition_message(inactive), reason=inactive.get("reason"), **d)
    if not conds and "currentReplicas" not in status(obj):
        return progressing("waiting for the autoscaler's first evaluation", **d)
    message = (
        f"{d['current_replicas']} replicas (desired {d['desired_replicas']}, "
        f"range {d['min_replicas']}-{d['max_replicas']})"
    )
    limited = _find(conds, "ScalingLimited", "True")
    if limited is not None:  # hitting min/max is the autoscaler doing its job
        message += f"; limited: {limited.get('reason')}"
    return healthy(message, **d)
