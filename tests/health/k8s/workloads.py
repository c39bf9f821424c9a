"""Deployment, StatefulSet, DaemonSet, ReplicaSet."""

from __future__ import annotations

from typing import Any

from .common import LABELS, condition, counts, metadata, pod_template


def deployment(
    replicas: int = 3,
    *,
    updated: int | None = None,
    ready: int | None = None,
    available: int | None = None,
    current: int | None = None,
    generation: int = 2,
    observed: int | None = None,
    paused: bool = False,
    conditions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Deployment whose counters default to a finished rollout of ``replicas``."""
    updated = replicas if updated is None else updated
    ready = updated if ready is None else ready
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(LABELS)},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "progressDeadlineSeconds": 600,
        "template": pod_template(),
    }
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(
            "web", generation=generation, annotations={"deployment.kubernetes.io/revision": "2"}
        ),
        "spec": spec,
        "status": {
            "observedGeneration": generation if observed is None else observed,
            **counts(
                replicas=replicas if current is None else current,
                updatedReplicas=updated,
                readyReplicas=ready,
                availableReplicas=ready if available is None else available,
            ),
            "conditions": conditions
            if conditions is not None
            else [
                condition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                )
            ],
        },
    }


def statefulset(
    replicas: int = 3,
    *,
    ready: int | None = None,
    updated: int | None = None,
    current_revision: str = "db-7b9c",
    update_revision: str = "db-7b9c",
    strategy: str = "RollingUpdate",
    partition: int | None = None,
    generation: int = 1,
    observed: int | None = None,
) -> dict[str, Any]:
    update_strategy: dict[str, Any] = {"type": strategy}
    if partition is not None:
        update_strategy["rollingUpdate"] = {"partition": partition}
    ready = replicas if ready is None else ready
    updated = replicas if updated is None else updated
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata("db", generation=generation),
        "spec": {
            "replicas": replicas,
            "serviceName": "db",
            "selector": {"matchLabels": dict(LABELS)},
            "updateStrategy": update_strategy,
            "podManagementPolicy": "OrderedReady",
            "template": pod_template("postgres:17"),
        },
        "status": {
            "observedGeneration": generation if observed is None else observed,
            **counts(
                replicas=replicas,
                readyReplicas=ready,
                availableReplicas=ready,
                currentReplicas=replicas - updated if updated < replicas else replicas,
                updatedReplicas=updated,
            ),
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
        },
    }


def daemonset(
    desired: int = 3,
    *,
    updated: int | None = None,
    available: int | None = None,
    misscheduled: int = 0,
    strategy: str = "RollingUpdate",
    generation: int = 1,
    observed: int | None = None,
) -> dict[str, Any]:
    updated = desired if updated is None else updated
    available = updated if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata("node-agent", generation=generation),
        "spec": {
            "selector": {"matchLabels": dict(LABELS)},
            "updateStrategy": {"type": strategy},
            "template": pod_template("agent:2.1"),
        },
        "status": {
            "observedGeneration": generation if observed is None else observed,
            "desiredNumberScheduled": desired,
            "currentNumberScheduled": desired,
            "numberMisscheduled": misscheduled,
            **counts(
                numberReady=available,
                numberAvailable=available,
                updatedNumberScheduled=updated,
                numberUnavailable=desired - available,
            ),
        },
    }


def replicaset(
    replicas: int = 2,
    *,
    available: int | None = None,
    conditions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    available = replicas if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata("web-7d4b9c", generation=1),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(LABELS)},
            "template": pod_template(),
        },
        "status": {
            "observedGeneration": 1,
            "fullyLabeledReplicas": replicas,
            **counts(replicas=replicas, readyReplicas=available, availableReplicas=available),
            **({"conditions": conditions} if conditions else {}),
        },
    }
