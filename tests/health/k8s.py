"""Builders for Kubernetes objects shaped like real ``kubectl get -o json`` output.

Like the API server, builders omit zero-valued status counters (a fresh Deployment has no
``availableReplicas`` key at all), so assessors are exercised on realistic sparse input.
"""

from __future__ import annotations

from typing import Any

NOW = "2025-03-01T10:00:00Z"
LABELS = {"app.kubernetes.io/name": "web"}


def _counts(**counts: int | None) -> dict[str, int]:
    """Drop absent and zero counters the way the API server's omitempty does."""
    return {key: value for key, value in counts.items() if value}


def metadata(name: str, *, generation: int | None = 1, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "uid": f"uid-{name}",
        "resourceVersion": "48213",
        "creationTimestamp": "2025-03-01T09:00:00Z",
        "labels": dict(LABELS),
    }
    if generation is not None:
        meta["generation"] = generation
    meta.update(extra)
    return meta


def condition(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    found = {"type": type_, "status": status, "lastTransitionTime": NOW}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def pod_template(image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "metadata": {"labels": dict(LABELS)},
        "spec": {
            "containers": [{"name": "app", "image": image, "ports": [{"containerPort": 80}]}],
            "restartPolicy": "Always",
        },
    }


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
            **_counts(
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
            **_counts(
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
            **_counts(
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
            **_counts(replicas=replicas, readyReplicas=available, availableReplicas=available),
            **({"conditions": conditions} if conditions else {}),
        },
    }


# --- pods -----------------------------------------------------------------------------


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


# --- batch ----------------------------------------------------------------------------


def job(
    name: str = "migrate",
    *,
    active: int = 0,
    succeeded: int = 0,
    failed: int = 0,
    conditions: list[dict[str, Any]] | None = None,
    suspend: bool = False,
    owner: str | None = None,
    start_time: str = NOW,
) -> dict[str, Any]:
    meta = metadata(name, generation=1)
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "name": owner,
                "uid": f"uid-{owner}",
                "controller": True,
            }
        ]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "backoffLimit": 4,
            "suspend": suspend,
            "template": {
                **pod_template("migrate:1"),
                "spec": {**pod_template()["spec"], "restartPolicy": "Never"},
            },
        },
        "status": {
            "startTime": start_time,
            **_counts(active=active, succeeded=succeeded, failed=failed),
            **({"conditions": conditions} if conditions else {}),
            "ready": 0,
        },
    }


def job_complete(**kwargs: Any) -> dict[str, Any]:
    return job(
        succeeded=1,
        conditions=[condition("SuccessCriteriaMet", "True"), condition("Complete", "True")],
        **kwargs,
    )


def job_failed(
    reason: str = "BackoffLimitExceeded",
    message: str = "Job has reached the specified backoff limit",
    **kwargs: Any,
) -> dict[str, Any]:
    return job(
        failed=5,
        conditions=[
            condition("FailureTarget", "True", reason, message),
            condition("Failed", "True", reason, message),
        ],
        **kwargs,
    )


def cronjob(
    *,
    suspend: bool = False,
    last_schedule: str | None = None,
    last_success: str | None = None,
    active: list[str] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    if last_schedule:
        status["lastScheduleTime"] = last_schedule
    if last_success:
        status["lastSuccessfulTime"] = last_success
    if active:
        status["active"] = [
            {"kind": "Job", "namespace": "shop", "name": n, "apiVersion": "batch/v1"}
            for n in active
        ]
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata("nightly", generation=1),
        "spec": {
            "schedule": "0 2 * * *",
            "suspend": suspend,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": job()["spec"]},
        },
        "status": status,
    }


# --- networking -----------------------------------------------------------------------


def service(
    type_: str = "ClusterIP",
    *,
    lb_ingress: list[dict[str, str]] | None = None,
    selector: dict[str, str] | None = None,
    external_name: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type_, "sessionAffinity": "None"}
    if type_ == "ExternalName":
        spec["externalName"] = external_name or "db.example.com"
    else:
        port: dict[str, Any] = {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
        if type_ in ("NodePort", "LoadBalancer"):
            port["nodePort"] = 31380
        spec.update(
            clusterIP="10.96.12.34",
            clusterIPs=["10.96.12.34"],
            ipFamilies=["IPv4"],
            ports=[port],
            selector=dict(LABELS) if selector is None else selector,
        )
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata("web", generation=None),
        "spec": spec,
        "status": {"loadBalancer": {"ingress": lb_ingress} if lb_ingress else {}},
    }


def endpoint_slice(*, ready: int = 0, not_ready: int = 0, service_name: str = "web") -> dict:
    endpoints = [
        {
            "addresses": [f"10.244.1.{i}"],
            "conditions": {"ready": i < ready, "serving": i < ready, "terminating": False},
            "targetRef": {"kind": "Pod", "name": f"web-{i}", "namespace": "shop"},
            "nodeName": "node-a",
        }
        for i in range(ready + not_ready)
    ]
    meta = metadata(f"{service_name}-x8k2p", generation=1)
    meta["labels"] = {
        "kubernetes.io/service-name": service_name,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": meta,
        "addressType": "IPv4",
        # The API serialises an empty slice with "endpoints": null.
        "endpoints": endpoints or None,
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def endpoints(*, ready: int = 0, not_ready: int = 0, name: str = "web") -> dict[str, Any]:
    subset: dict[str, Any] = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [{"ip": f"10.244.1.{i}"} for i in range(ready)]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": f"10.244.2.{i}"} for i in range(not_ready)]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": metadata(name, generation=None),
        **({"subsets": [subset]} if ready or not_ready else {}),
    }


def ingress(*, lb_ingress: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata("web", generation=1),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            },
                            {
                                "path": "/api",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "api", "port": {"name": "http"}}},
                            },
                        ]
                    },
                }
            ],
        },
        "status": {"loadBalancer": {"ingress": lb_ingress} if lb_ingress else {}},
    }


# --- storage / autoscaling / passive --------------------------------------------------


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


def simple(kind: str, api_version: str = "v1", **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": metadata(kind.lower(), generation=None),
        **fields,
    }
