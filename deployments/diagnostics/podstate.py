"""Container statuses of a node's pods, as (pod, container status) pairs checks can filter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deployments.cluster import ClusterError
from deployments.diagnostics.subject import Subject
from deployments.health.fields import as_int, as_map, dig
from deployments.health.pods import container_statuses

LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class ContainerState:
    pod: Mapping[str, Any]
    status: Mapping[str, Any]

    @property
    def pod_name(self) -> str:
        return str(dig(self.pod, "metadata", "name"))

    @property
    def container(self) -> str:
        return str(self.status.get("name") or "?")

    @property
    def waiting(self) -> Mapping[str, Any]:
        return as_map(dig(self.status, "state", "waiting"))

    @property
    def terminated(self) -> Mapping[str, Any]:
        """The current termination, else the last one (a restarting container's crash)."""
        return as_map(dig(self.status, "state", "terminated")) or as_map(
            dig(self.status, "lastState", "terminated")
        )

    @property
    def restarts(self) -> int:
        return as_int(self.status.get("restartCount"))

    @property
    def ready(self) -> bool:
        return self.status.get("ready") is True

    def spec(self) -> Mapping[str, Any]:
        for container in dig(self.pod, "spec", "containers") or []:
            if container.get("name") == self.container:
                return as_map(container)
        return {}


def states(subject: Subject) -> list[ContainerState]:
    return [
        ContainerState(pod, status)
        for pod in subject.pods()
        if not dig(pod, "metadata", "deletionTimestamp")
        for status in container_statuses(pod)
    ]


def matching(subject: Subject, keep: Callable[[ContainerState], bool]) -> list[ContainerState]:
    return [state for state in states(subject) if keep(state)]


def previous_logs(subject: Subject, state: ContainerState) -> dict[str, Any]:
    """The crashed instance's last lines (``previous=True``), or why they are unavailable."""
    try:
        text = subject.cluster().pod_logs(
            state.pod_name,
            subject.namespace,
            container=state.container,
            previous=True,
            tail_lines=LOG_TAIL_LINES,
        )
    except ClusterError as exc:
        return {"log_lines": [], "log_error": exc.message}
    return {"log_lines": text.splitlines()[-LOG_TAIL_LINES:]}
