"""Readiness: pods that run but never become ready (a failing readiness probe), and the
overall ready count."""

from __future__ import annotations

from typing import Any

from deployments.diagnostics.evidence import events_view
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed, warn
from deployments.diagnostics.podstate import ContainerState, matching, states
from deployments.diagnostics.registry import LONG_RUNNING, register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig


def _running_unready(state: ContainerState) -> bool:
    return bool(dig(state.status, "state", "running")) and not state.ready


@register(*LONG_RUNNING)
def readiness_probe(subject: Subject) -> list[Check]:
    probe = (subject.data.get("probes") or {}).get("readiness")
    if probe is None or subject.live() is None or not subject.pods():
        return []
    unready = matching(subject, _running_unready)
    pods = sorted({state.pod_name for state in unready})
    events = events_view(subject.events_about("Pod", set(pods)), "Unhealthy")
    if not unready:
        return [passed("pods.readiness-probe", "the readiness probe succeeds", probe=probe)]
    if not events:
        return [
            warn(
                "pods.readiness-probe",
                f"{len(pods)} pod(s) run but are not ready yet; no probe failure reported",
                pods=pods,
                probe=probe,
            )
        ]
    fix = _probe_fix(subject, probe, str(events[-1]["message"]))
    return [
        error(
            "pods.readiness-probe",
            f"the readiness probe fails: {events[-1]['message']}; {len(pods)} pod(s) "
            "receive no traffic. " + fix.description.capitalize(),
            fix,
            pods=pods,
            probe=probe,
            events=events,
        )
    ]


def _probe_fix(subject: Subject, probe: dict[str, Any], failure: str) -> Fix:
    raw_probes = dict(subject.raw_data().get("probes") or {})
    raw = raw_probes.get("readiness")
    path = probe.get("path", "/")
    if probe.get("type") == "http" and path != "/" and "statuscode" in failure:
        # The server answers, just not at this path: its root is the safest health signal.
        return Fix(
            "probe.readiness-root",
            f"point the readiness probe at / (the server answers but {path} fails)",
            (
                PatchOp(
                    node_path(subject.node_id, "probes", "readiness", "path"),
                    (raw or {}).get("path"),
                    "/",
                ),
            ),
        )
    # Nothing to re-point (already /, or not reachable at all): stop gating traffic on it.
    op = (
        PatchOp(node_path(subject.node_id, "probes"), raw_probes, None)
        if set(raw_probes) == {"readiness"}
        else PatchOp(node_path(subject.node_id, "probes", "readiness"), raw, None)
    )
    why = "it fails even at /" if path == "/" else "the container does not answer it"
    return Fix(
        "probe.readiness-remove",
        f"remove the readiness probe ({probe.get('type')} {path}): {why}",
        (op,),
    )


@register(*LONG_RUNNING)
def pods_ready(subject: Subject) -> list[Check]:
    if subject.live() is None:
        return []
    pods = subject.pods()
    all_states = states(subject)
    view = [
        {
            "name": str(dig(pod, "metadata", "name")),
            "phase": dig(pod, "status", "phase"),
            "ready": all(s.ready for s in all_states if s.pod is pod)
            and any(s.pod is pod for s in all_states),
        }
        for pod in pods
    ]
    ready = sum(1 for item in view if item["ready"])
    if not pods:
        return [warn("pods.ready", "no pods exist for this workload", pods=[])]
    if ready == len(view):
        return [passed("pods.ready", f"all {ready} pod(s) ready", pods=view)]
    return [warn("pods.ready", f"{ready}/{len(view)} pod(s) ready", pods=view)]
