"""Find the pod-level reason behind a workload that is not ready.

A Deployment only says "2 of 3 available"; the *why* (bad image tag, crash loop, missing
Secret, no node with enough CPU) lives in its pods. Workload assessors call
``escalate_with_pods`` so a rollout that can never finish shows as degraded with the
kubelet's or scheduler's own words instead of an endless "waiting for rollout".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .fields import as_int, as_list, as_map, condition_is, dig, name_of, status
from .model import Health, HealthStatus

# Waiting reasons that will not fix themselves by waiting longer.
BROKEN_WAITING_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
OOM_KILLED = "OOMKilled"
UNSCHEDULABLE = "Unschedulable"
# Kubelet messages can embed whole registry error bodies; the canvas needs the gist.
MAX_MESSAGE_CHARS = 240


@dataclass(frozen=True)
class PodProblem:
    pod: str
    container: str | None
    reason: str
    message: str

    def describe(self) -> str:
        where = f"pod {self.pod}" + (f" container {self.container}" if self.container else "")
        text = f"{where}: {self.reason}"
        return f"{text}: {shorten(self.message)}" if self.message else text

    def to_details(self) -> dict[str, Any]:
        return {
            "pod": self.pod,
            "container": self.container,
            "reason": self.reason,
            "message": self.message,
        }


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def container_statuses(pod: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Init containers first: a failing init container is why the others never start."""
    pod_status = status(pod)
    entries = as_list(pod_status.get("initContainerStatuses")) + as_list(
        pod_status.get("containerStatuses")
    )
    return [entry for entry in entries if isinstance(entry, Mapping)]


def _terminated_oom(container: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for state_key in ("state", "lastState"):
        terminated = as_map(dig(container, state_key, "terminated"))
        if terminated.get("reason") == OOM_KILLED:
            return terminated
    return None


def container_problem(pod_name: str, container: Mapping[str, Any]) -> PodProblem | None:
    name = str(container.get("name") or "?")
    waiting = as_map(dig(container, "state", "waiting"))
    waiting_reason = str(waiting.get("reason") or "")
    # A past OOM kill only explains anything while the container is not ready again.
    oom = None if container.get("ready") is True else _terminated_oom(container)
    if oom is not None:
        restarts = as_int(container.get("restartCount"))
        message = f"exit code {as_int(oom.get('exitCode'), 137)}, {restarts} restarts"
        if waiting_reason:
            message += f", now {waiting_reason}"
        return PodProblem(pod_name, name, OOM_KILLED, message)
    if waiting_reason in BROKEN_WAITING_REASONS:
        return PodProblem(pod_name, name, waiting_reason, str(waiting.get("message") or ""))
    return None


def scheduling_problem(pod: Mapping[str, Any]) -> PodProblem | None:
    scheduled = condition_is(pod, "PodScheduled", "False")
    if scheduled is None or scheduled.get("reason") != UNSCHEDULABLE:
        return None
    return PodProblem(name_of(pod), None, UNSCHEDULABLE, str(scheduled.get("message") or ""))


def pod_problem(pod: Mapping[str, Any]) -> PodProblem | None:
    """The first reason this pod cannot become ready on its own, if any."""
    if dig(pod, "metadata", "deletionTimestamp"):
        return None  # already going away; its replacement is what matters
    pod_name = name_of(pod)
    for container in container_statuses(pod):
        problem = container_problem(pod_name, container)
        if problem is not None:
            return problem
    return scheduling_problem(pod)


def find_pod_problems(pods: Iterable[Mapping[str, Any]]) -> list[PodProblem]:
    return [problem for pod in pods if (problem := pod_problem(pod)) is not None]


def escalate_with_pods(health: Health, pods: Sequence[Mapping[str, Any]]) -> Health:
    """Turn a PROGRESSING verdict into DEGRADED when a pod shows why it cannot progress, and
    explain a DEGRADED one (e.g. a progress deadline) by the pod's reason: "ImagePullBackOff"
    tells a user what to fix, "timed out progressing" does not."""
    if health.status not in (HealthStatus.PROGRESSING, HealthStatus.DEGRADED):
        return health
    problems = find_pod_problems(pods)
    if not problems:
        return health
    first = problems[0]
    message = first.describe()
    if len(problems) > 1:
        message += f" (+{len(problems) - 1} more pods affected)"
    details = {
        **health.details,
        "rollout": health.message,
        "pod_problems": [problem.to_details() for problem in problems],
    }
    return Health(HealthStatus.DEGRADED, message, details)
