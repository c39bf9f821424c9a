"""HorizontalPodAutoscaler (autoscaling/v2): keeps the target within min/max replicas and
reports plausible metrics and the real condition set."""

from __future__ import annotations

from .. import resources as R
from ..util import Obj, dig, now_iso
from .base import Context, set_condition

HPA_CONTROLLER = "horizontal-pod-autoscaler"
_SCALABLE = {"Deployment": R.DEPLOYMENTS, "StatefulSet": R.STATEFULSETS,
             "ReplicaSet": R.REPLICASETS}
# Idle simulated workloads: utilisation well under any sensible target.
_CPU_UTILIZATION = 12
_CURRENT = {"cpu": ("12m", _CPU_UTILIZATION), "memory": ("24Mi", 30)}


def _current_metrics(spec: Obj) -> list[Obj]:
    metrics = []
    for metric in spec.get("metrics") or []:
        if metric.get("type") != "Resource":
            continue
        name = dig(metric, "resource", "name")
        value, utilization = _CURRENT.get(name, ("0", 0))
        metrics.append({"type": "Resource", "resource": {
            "name": name, "current": {"averageValue": value, "averageUtilization": utilization}}})
    return metrics


class HorizontalPodAutoscalerController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        for hpa in self.ctx.store.list(R.HPAS)[0]:
            self._sync(hpa)

    def _sync(self, hpa: Obj) -> None:
        spec, status = hpa["spec"], dict(hpa.get("status") or {})
        ref = spec.get("scaleTargetRef") or {}
        rt = _SCALABLE.get(ref.get("kind", ""))
        target = self.ctx.store.get(rt, hpa["metadata"]["namespace"], ref.get("name", "")) \
            if rt else None
        conditions = status.get("conditions", [])
        if target is None or rt is None:
            plural = rt.qualified_plural if rt else f"{ref.get('kind', '').lower()}s"
            message = (f"the HPA controller was unable to get the target's current scale: "
                       f'{plural} "{ref.get("name")}" not found')
            current: Obj = next((c for c in conditions if c["type"] == "AbleToScale"), {})
            if current.get("reason") != "FailedGetScale":
                self.ctx.event(hpa, "Warning", "FailedGetScale", message, HPA_CONTROLLER)
            for kind in ("AbleToScale", "ScalingActive"):
                conditions = set_condition(conditions, kind, "False", "FailedGetScale", message)
            status.update({"currentReplicas": status.get("currentReplicas", 0),
                           "desiredReplicas": status.get("desiredReplicas", 0),
                           "conditions": conditions})
            self.ctx.write_status(R.HPAS, hpa, status, HPA_CONTROLLER)
            return
        self._scale(hpa, rt, target, status, conditions)

    def _scale(self, hpa: Obj, rt: R.ResourceType, target: Obj, status: Obj,
               conditions: list[Obj]) -> None:
        spec = hpa["spec"]
        current = dig(target, "spec", "replicas", default=1)
        low, high = spec.get("minReplicas", 1), spec["maxReplicas"]
        desired = min(max(current, low), high)
        if desired != current:
            target["spec"]["replicas"] = desired
            if self.ctx.write_object(rt, target, HPA_CONTROLLER):
                why = "below Spec.MinReplicas" if desired > current else "above Spec.MaxReplicas"
                self.ctx.event(hpa, "Normal", "SuccessfulRescale",
                               f"New size: {desired}; reason: Current number of replicas {why}",
                               HPA_CONTROLLER)
                status["lastScaleTime"] = now_iso()
        conditions = set_condition(conditions, "AbleToScale", "True", "ReadyForNewScale",
                                   "recommended size matches current size")
        conditions = set_condition(
            conditions, "ScalingActive", "True", "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from cpu resource "
            "utilization (percentage of request)")
        if current < low:
            conditions = set_condition(conditions, "ScalingLimited", "True", "TooFewReplicas",
                                       "the desired replica count is less than the minimum "
                                       "replica count")
        elif current > high:
            conditions = set_condition(conditions, "ScalingLimited", "True", "TooManyReplicas",
                                       "the desired replica count is more than the maximum "
                                       "replica count")
        else:
            conditions = set_condition(conditions, "ScalingLimited", "False",
                                       "DesiredWithinRange",
                                       "the desired count is within the acceptable range")
        status.update({"currentReplicas": dig(target, "status", "replicas", default=current),
                       "desiredReplicas": desired, "currentMetrics": _current_metrics(spec),
                       "conditions": conditions})
        self.ctx.write_status(R.HPAS, hpa, status, HPA_CONTROLLER)
