"""Pods and container statuses."""

from __future__ import annotations

from typing import Any

from .common import NOW, condition, metadata


def running(
    name: str = "app",
    *,
    ready: bool = True,
    restarts: int = 0,
    last_terminated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return container_status(
        name,
        {"running": {"startedAt": NOW}},
        ready=ready,
        restarts=restarts,
        last_terminated=last_terminated,
    )


def waiting(
    reason: str,
    message: str = "",
    name: str = "app",
    *,
    restarts: int = 0,
    last_terminated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {"reason": reason}
    if message:
        state["message"] = message
    return container_status(
        name, {"waiting": state}, ready=False, restarts=restarts, last_terminated=last_terminated
    )


def terminated(reason: str, exit_code: int, name: str = "app", message: str = "") -> dict[str, Any]:
    return container_status(
        name, {"terminated": termination(reason, exit_code, message)}, ready=False
    )


def termination(reason: str, exit_code: int, message: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {
        "exitCode": exit_code,
        "reason": reason,
        "startedAt": NOW,
        "finishedAt": NOW,
        "containerID": "containerd://4f1c",
    }
    if message:
        found["message"] = message
    return found


def container_status(
    name: str,
    state: dict[str, Any],
    *,
    ready: bool,
    restarts: int = 0,
    last_terminated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "image": "nginx:1.27",
        "imageID": "",
        "ready": ready,
        "started": "running" in state,
        "restartCount": restarts,
        "state": state,
        "lastState": {"terminated": last_terminated} if last_terminated else {},
    }


def pod(
    name: str = "web-7d4b9c-x2kfp",
    *,
    phase: str = "Running",
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    restart_policy: str = "Always",
    reason: str = "",
    message: str = "",
    **meta: Any,
) -> dict[str, Any]:
    containers = [running()] if containers is None else containers
    all_ready = bool(containers) and all(c["ready"] for c in containers)
    ready_text = "True" if all_ready else "False"
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conditions
        if conditions is not None
        else [
            condition("Initialized", "True"),
            condition("Ready", ready_text),
            condition("ContainersReady", ready_text),
            condition("PodScheduled", "True"),
        ],
        "hostIP": "10.0.1.12",
        "podIP": "10.244.1.17",
        "podIPs": [{"ip": "10.244.1.17"}],
        "startTime": NOW,
        "qosClass": "BestEffort",
        "containerStatuses": containers,
    }
    if init_containers:
        status["initContainerStatuses"] = init_containers
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(name, generation=None, **meta),
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27"}],
            "restartPolicy": restart_policy,
            "nodeName": "node-a",
        },
        "status": status,
    }


def unschedulable_pod(message: str) -> dict[str, Any]:
    """What a pod looks like when the scheduler found no node: Pending, no IP, no containers."""
    found = pod(
        "web-7d4b9c-pend1",
        phase="Pending",
        containers=[],
        conditions=[condition("PodScheduled", "False", "Unschedulable", message)],
    )
    for key in ("hostIP", "podIP", "podIPs", "startTime", "containerStatuses"):
        found["status"].pop(key)
    found["spec"].pop("nodeName")
    return found
