"""Delete what a workflow created for nodes it no longer has (found by KubeOrch's labels)."""

from concurrent.futures import ThreadPoolExecutor

from deployments.cluster import ClusterClient, ClusterError

# Everything the renderer can produce, children after parents is not needed: GC handles pods.
MANAGED_KINDS = [
    ("networking.k8s.io/v1", "Ingress"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "PersistentVolumeClaim"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
]
LIST_CONCURRENCY = 6
Key = tuple[str, str, str]  # (kind, namespace, name)


def selector(workflow_id: int) -> str:
    return f"kubeorch.io/workflow={workflow_id},app.kubernetes.io/managed-by=kubeorch"


def managed_objects(
    client: ClusterClient, workflow_id: int, namespaces: set[str]
) -> list[tuple[str, dict]]:
    """(api_version, object) for every live object the workflow created: one label-selected
    list per kind, the kinds listed in parallel (a run ends with this; 12 sequential round
    trips were a visible part of a short run)."""

    def of_kind(api_kind: tuple[str, str]) -> list[tuple[str, dict]]:
        api_version, kind = api_kind
        return [
            (api_version, obj) for obj in _list(client, api_version, kind, workflow_id, namespaces)
        ]

    with ThreadPoolExecutor(max_workers=LIST_CONCURRENCY) as pool:
        return [found for kind in pool.map(of_kind, MANAGED_KINDS) for found in kind]


def _list(
    client: ClusterClient, api_version: str, kind: str, workflow_id: int, namespaces: set[str]
) -> list[dict]:
    try:
        return client.list(api_version, kind, label_selector=selector(workflow_id))
    except ClusterError as exc:
        if exc.status != 403:
            raise
    # Namespace-scoped credentials cannot list cluster-wide: look where the workflow deploys.
    objects = []
    for namespace in sorted(namespaces):
        objects += client.list(
            api_version, kind, namespace=namespace, label_selector=selector(workflow_id)
        )
    return objects


def prune(
    client: ClusterClient, workflow_id: int, namespaces: set[str], keep: set[Key]
) -> list[Key]:
    """Delete managed objects not in `keep`; returns what was deleted."""
    deleted = []
    for api_version, obj in managed_objects(client, workflow_id, namespaces):
        meta = obj["metadata"]
        key = (obj["kind"], meta.get("namespace", ""), meta["name"])
        if key not in keep and client.delete(
            api_version, obj["kind"], meta["name"], meta.get("namespace"), propagation="Background"
        ):
            deleted.append(key)
    return deleted
