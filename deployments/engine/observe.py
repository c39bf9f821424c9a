"""Read a node's objects back from the cluster and assess their health."""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from deployments.cluster import ClusterClient, ClusterError
from deployments.health import Health, HealthStatus, assess
from workflows.manifests import RenderedObject

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"})
# Worst first: a node is as healthy as its least healthy object.
SEVERITY = [
    HealthStatus.DEGRADED,
    HealthStatus.MISSING,
    HealthStatus.PROGRESSING,
    HealthStatus.UNKNOWN,
    HealthStatus.SUSPENDED,
    HealthStatus.HEALTHY,
]
SETTLED = frozenset({HealthStatus.HEALTHY, HealthStatus.SUSPENDED})


def observe_object(client: ClusterClient, obj: RenderedObject) -> Health:
    try:
        live = client.get(obj.api_version, obj.k8s_kind, obj.name, obj.namespace)
        if live is None:
            return assess(None)
        pods = client.pods_for(live) if obj.k8s_kind in WORKLOAD_KINDS else []
        return assess(live, pods=pods, related=_related(client, obj, live))
    except ClusterError as exc:
        return Health(
            HealthStatus.UNKNOWN,
            f"cannot read {obj.k8s_kind} {obj.name}: {exc.message}",
            {"retryable": exc.retryable},
        )


def _related(client: ClusterClient, obj: RenderedObject, live: dict) -> list[dict]:
    if obj.k8s_kind == "Service":
        endpoints = client.get("v1", "Endpoints", obj.name, obj.namespace)
        return [endpoints] if endpoints else []
    if obj.k8s_kind == "Ingress":
        services = client.list("v1", "Service", namespace=obj.namespace)
        return [{"kind": "ServiceList", "items": services}]
    if obj.k8s_kind == "CronJob":
        return client.list("batch/v1", "Job", namespace=obj.namespace)
    if obj.k8s_kind == "PersistentVolumeClaim":
        return client.events_for(live)
    return []


def worst(healths: Sequence[Health]) -> Health:
    return min(healths, key=lambda h: SEVERITY.index(h.status))


def observe_nodes(
    client: ClusterClient, objects_by_node: dict[str, list[RenderedObject]], concurrency: int = 8
) -> dict[str, Health]:
    """Health of every node, reading the cluster with bounded parallelism."""
    flat = [(node_id, obj) for node_id, objs in objects_by_node.items() for obj in objs]
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(flat)))) as pool:
        results = list(pool.map(lambda item: observe_object(client, item[1]), flat))
    by_node: dict[str, list[Health]] = {}
    for (node_id, _), health in zip(flat, results, strict=True):
        by_node.setdefault(node_id, []).append(health)
    return {node_id: worst(healths) for node_id, healths in by_node.items()}
