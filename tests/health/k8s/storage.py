"""PVCs, StorageClasses, Events and HPAs."""

from __future__ import annotations

from typing import Any

from .common import condition, metadata


def pvc(
    phase: str = "Bound",
    *,
    storage_class: str | None = "standard",
    selected_node: str | None = None,
    conditions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    annotations = {"volume.kubernetes.io/storage-provisioner": "rancher.io/local-path"}
    if selected_node:
        annotations["volume.kubernetes.io/selected-node"] = selected_node
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "10Gi"}},
        "volumeMode": "Filesystem",
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    status: dict[str, Any] = {"phase": phase}
    if phase in ("Bound", "Lost"):
        spec["volumeName"] = "pvc-3f6a1c2e"
    if phase == "Bound":
        status.update(accessModes=["ReadWriteOnce"], capacity={"storage": "10Gi"})
    if conditions:
        status["conditions"] = conditions
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(
            "data",
            generation=None,
            annotations=annotations,
            finalizers=["kubernetes.io/pvc-protection"],
        ),
        "spec": spec,
        "status": status,
    }


def storage_class(
    name: str = "standard", *, binding_mode: str = "WaitForFirstConsumer", default: bool = False
) -> dict[str, Any]:
    meta = metadata(name, generation=None)
    if default:
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": meta,
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": binding_mode,
    }


def event(
    reason: str,
    message: str,
    *,
    kind: str = "PersistentVolumeClaim",
    name: str = "data",
    type_: str = "Warning",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": metadata(f"{name}.17f3a", generation=None),
        "involvedObject": {"kind": kind, "namespace": "shop", "name": name, "apiVersion": "v1"},
        "reason": reason,
        "message": message,
        "type": type_,
        "count": 3,
        "source": {"component": "persistentvolume-controller"},
    }


def hpa(
    *,
    conditions: list[dict[str, Any]] | None = None,
    current: int = 2,
    desired: int = 2,
    generation: int = 1,
    observed: int = 1,
) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata("web", generation=generation),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
        "status": {
            "observedGeneration": observed,
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 12, "averageValue": "6m"},
                    },
                }
            ],
            "conditions": conditions
            if conditions is not None
            else [
                condition(
                    "AbleToScale",
                    "True",
                    "ReadyForNewScale",
                    "recommended size matches current size",
                ),
                condition(
                    "ScalingActive",
                    "True",
                    "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count",
                ),
                condition(
                    "ScalingLimited",
                    "False",
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                ),
            ],
        },
    }
