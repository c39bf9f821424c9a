"""Containers that keep dying: crash loops (exit code and last log lines) and OOM kills
(with a higher memory limit as the fix)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from deployments.diagnostics.amounts import MI, memory_text, quantity
from deployments.diagnostics.evidence import events_view
from deployments.diagnostics.history import last_healthy
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed, warn
from deployments.diagnostics.podstate import ContainerState, matching, previous_logs
from deployments.diagnostics.registry import WORKLOADS, register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import as_int, dig

OOM_KILLED = "OOMKilled"
# Below this a doubled limit is still likely to be killed; 64Mi runs most small services.
MIN_MEMORY_LIMIT = 64 * MI
# The container settings that decide what the process does; a revert touches only these.
PROCESS_FIELDS = ("image", "command", "args", "env")


def _oom(state: ContainerState) -> bool:
    return not state.ready and state.terminated.get("reason") == OOM_KILLED


def _crashed(state: ContainerState) -> bool:
    """Restarted after a failing exit (a crash loop is caught between crashes, too)."""
    if _oom(state):
        return False  # its own check, with its own fix
    looping = state.waiting.get("reason") == "CrashLoopBackOff"
    return looping or (state.restarts > 0 and as_int(state.terminated.get("exitCode")) != 0)


def _down(state: ContainerState) -> bool:
    return state.waiting.get("reason") == "CrashLoopBackOff" or not state.ready


def _crash_evidence(subject: Subject, states: list[ContainerState]) -> dict[str, Any]:
    first = states[0]
    pods = sorted({state.pod_name for state in states})
    return {
        "pods": pods,
        "pod": first.pod_name,
        "container": first.container,
        "exit_code": as_int(first.terminated.get("exitCode"), -1),
        "reason": first.terminated.get("reason"),
        "restarts": first.restarts,
        "waiting": first.waiting.get("message"),
        **previous_logs(subject, first),
        "events": events_view(subject.events_about("Pod", set(pods)), "BackOff"),
    }


@register(*WORKLOADS)
def crash_loop(subject: Subject) -> list[Check]:
    if subject.live() is None or not subject.pods():
        return []
    crashed = matching(subject, _crashed)
    if not crashed:
        return [passed("pods.crashloop", "no container is crash-looping")]
    down = [state for state in crashed if _down(state)]
    evidence = _crash_evidence(subject, down or crashed)
    fix, advice = _revert_process_settings(subject)
    message = (
        f"container {evidence['container']} exited with code {evidence['exit_code']} "
        f"({evidence['restarts']} restarts). {advice}"
    )
    # Up again right now (between two crashes, or recovered): say so rather than hide it.
    report = error if down else warn
    return [report("pods.crashloop", message, fix, **evidence)]


def _revert_process_settings(subject: Subject) -> tuple[Fix | None, str]:
    """A crash is the program's own doing; the only honest automatic fix is to go back to
    process settings that are known to have run healthy, when they differ from today's."""
    healthy = last_healthy(subject.workflow, subject.node_id, subject.kind)
    if healthy is None:
        return None, "The last log lines show why; no earlier version of this node ran healthy"
    raw = subject.raw_data()
    ops = tuple(
        PatchOp(node_path(subject.node_id, key), raw.get(key), healthy.data.get(key))
        for key in PROCESS_FIELDS
        if raw.get(key) != healthy.data.get(key)
    )
    if not ops:
        return None, (
            f"Its image, command, args and env are the same as in version {healthy.version}, "
            "which ran healthy: the cause is outside the node (its config, secrets or a "
            "dependency); the last log lines show it"
        )
    changed = ", ".join(op.path.rsplit("/", 1)[-1] for op in ops)
    fix = Fix(
        "process.last-healthy",
        f"restore {changed} as in version {healthy.version}, the last one in which this node "
        "ran healthy",
        ops,
    )
    return fix, f"Since version {healthy.version}, which ran healthy, {changed} changed"


@register(*WORKLOADS)
def oom_killed(subject: Subject) -> list[Check]:
    if subject.live() is None or not subject.pods():
        return []
    killed = matching(subject, _oom)
    if not killed:
        return [passed("pods.oom", "no container was killed for running out of memory")]
    first = killed[0]
    limit = dig(first.spec(), "resources", "limits", "memory")
    evidence = {
        "pods": sorted({state.pod_name for state in killed}),
        "pod": first.pod_name,
        "container": first.container,
        "exit_code": as_int(first.terminated.get("exitCode"), 137),
        "reason": OOM_KILLED,
        "restarts": first.restarts,
        "memory_limit": limit,
        **previous_logs(subject, first),
    }
    fix = _raise_memory_limit(subject)
    advice = (
        f"Raise the memory limit ({limit})"
        if fix
        else "The node itself ran out of memory (no limit is set): set requests that reserve enough"
    )
    return [
        error(
            "pods.oom",
            f"container {first.container} was OOMKilled (exit code {evidence['exit_code']}, "
            f"limit {limit or 'none'}). {advice}",
            fix,
            **evidence,
        )
    ]


def _raise_memory_limit(subject: Subject) -> Fix | None:
    raw_limit = dig(subject.raw_data(), "resources", "limits", "memory")
    current = quantity(raw_limit)
    if current is None:
        return None
    new = max(current * 2, MIN_MEMORY_LIMIT)
    request = quantity(dig(subject.raw_data(), "resources", "requests", "memory"))
    # Requests above limits are invalid; the old limit bounded the request, the new one is
    # larger, but a request edited since could exceed it.
    new = max(new, request or Decimal(0))
    text = memory_text(new)
    return Fix(
        "resources.raise-memory-limit",
        f"raise the memory limit from {raw_limit} to {text}",
        (PatchOp(node_path(subject.node_id, "resources", "limits", "memory"), raw_limit, text),),
    )
