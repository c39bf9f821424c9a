"""HorizontalPodAutoscaler: can it read its target's scale, and can it compute utilisation
(a cpu/memory Utilization target needs requests on the target's containers)?"""

from __future__ import annotations

from typing import Any

from deployments.diagnostics.evidence import condition, events_view
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed, warn
from deployments.diagnostics.registry import register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig
from workflows.kinds.context import ResolvedNode

# A modest reservation: enough for utilisation to mean something, small enough to schedule.
DEFAULT_REQUESTS = {"cpu": "100m", "memory": "128Mi"}
METRIC_FAILURES = ("FailedGetResourceMetric", "FailedComputeMetricsReplicas")


@register("hpa")
def scale_target(subject: Subject) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    target = dig(live, "spec", "scaleTargetRef") or {}
    able = condition(live, "AbleToScale")
    evidence: dict[str, Any] = {
        "target": f"{target.get('kind')}/{target.get('name')}",
        "able_to_scale": able,
        "events": events_view(
            subject.events_about("HorizontalPodAutoscaler", subject.node.name), "FailedGetScale"
        ),
    }
    if able is None:
        return [warn("hpa.target", "the autoscaler has not evaluated it yet", **evidence)]
    if able["status"] == "True":
        current = dig(live, "status", "currentReplicas")
        return [
            passed("hpa.target", f"scales {evidence['target']} ({current} replicas)", **evidence)
        ]
    in_graph = bool(subject.topology.targets(subject.node_id))
    advice = (
        "the target is in the graph: run the workflow to create it"
        if in_graph
        else "connect the HPA to the workload it scales"
    )
    return [
        error(
            "hpa.target",
            f"cannot get the scale of {evidence['target']}: {able.get('message')}; {advice}",
            **evidence,
        )
    ]


def _missing_requests(workload: ResolvedNode, kinds: list[str]) -> list[str]:
    resources = workload.data.get("resources") or {}
    # A missing request defaults to the limit, which is enough for utilisation.
    have = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return [kind for kind in kinds if kind not in have]


def _requests_fix(subject: Subject, workload: ResolvedNode, missing: list[str]) -> Fix:
    # Only resources with neither a request nor a limit get here, so no limit caps these.
    ops = [
        PatchOp(node_path(workload.id, "resources", "requests", kind), None, DEFAULT_REQUESTS[kind])
        for kind in missing
    ]
    shown = ", ".join(f"{op.path.rsplit('/', 1)[-1]} {op.new}" for op in ops)
    return Fix(
        "hpa.add-requests",
        f"request {shown} on {workload.type_id} {workload.name!r} so utilisation can be computed",
        tuple(ops),
    )


@register("hpa")
def metrics(subject: Subject) -> list[Check]:
    workloads = subject.topology.targets(subject.node_id)
    if not workloads:
        return []
    workload = workloads[0]
    kinds = [t["type"] for t in subject.data.get("targets") or []]
    missing = _missing_requests(workload, kinds)
    live = subject.live() if subject.client is not None else None
    evidence: dict[str, Any] = {
        "workload": workload.id,
        "targets": kinds,
        "resources": dict(workload.data.get("resources") or {}),
        "scaling_active": condition(live, "ScalingActive") if live else None,
        "current_metrics": dig(live, "status", "currentMetrics") if live else None,
    }
    if not missing:
        return [
            passed(
                "hpa.metrics",
                f"{workload.name!r} requests {', '.join(kinds)}: utilisation can be computed",
                **evidence,
            )
        ]
    fix = _requests_fix(subject, workload, missing)
    reported = _metric_failures(subject, live)
    message = (
        f"{workload.name!r} requests no {', '.join(missing)}: utilisation is a "
        f"percentage of requests, so the autoscaler cannot compute it"
    )
    if reported:
        return [error("hpa.metrics", message, fix, events=reported, **evidence)]
    # Some metrics pipelines (and the sandbox) still report a value; real ones answer
    # "missing request for cpu". Warn rather than claim a failure the cluster did not show.
    return [warn("hpa.metrics", message + " on a real metrics server", fix, **evidence)]


def _metric_failures(subject: Subject, live: dict[str, Any] | None) -> list[dict[str, Any]]:
    if live is None:
        return []
    active = condition(live, "ScalingActive") or {}
    events = events_view(
        subject.events_about("HorizontalPodAutoscaler", subject.node.name), *METRIC_FAILURES
    )
    if active.get("reason") in METRIC_FAILURES and not events:
        return [{"reason": active.get("reason"), "message": active.get("message")}]
    return events
