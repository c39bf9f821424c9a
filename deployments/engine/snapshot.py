"""A run's health check reads its objects with a few lists instead of a request per object.

observe_nodes() GETs every object and lists each workload's pods: 15 requests for 5 ConfigMaps
+ 5 Deployments, at every check. Here one label-selected list per (kind, namespace) and one pod
list per namespace give the same objects (an expected object the list did not return, e.g. its
labels were edited, is still fetched by name, so "missing" means missing), and each workload's
pods are matched to its live selector here. Kinds whose health reads other objects (Service,
Ingress, CronJob, PVC) and workloads whose selector cannot be matched this way (a Job's
server-generated selector) are observed exactly as before, object by object.
"""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from deployments.cluster import ClusterClient, ClusterError
from deployments.engine.observe import WORKLOAD_KINDS, observe_object, worst
from deployments.health import Health, assess
from workflows.kinds.meta import MANAGED_BY, MANAGED_BY_LABEL, WORKFLOW_LABEL
from workflows.manifests import RenderedObject

# Their health needs related objects: observe_object fetches them.
RELATED_KINDS = frozenset({"Service", "Ingress", "CronJob", "PersistentVolumeClaim"})
MANAGED = f"{MANAGED_BY_LABEL}={MANAGED_BY}"
Group = tuple[str, str, str]  # (api_version, kind, namespace)


def observe_nodes_listed(
    client: ClusterClient, objects_by_node: dict[str, list[RenderedObject]], concurrency: int = 8
) -> dict[str, Health]:
    flat = [(node_id, obj) for node_id, objs in objects_by_node.items() for obj in objs]
    groups: dict[Group, list[RenderedObject]] = defaultdict(list)
    for _, obj in flat:
        if obj.k8s_kind not in RELATED_KINDS:
            groups[(obj.api_version, obj.k8s_kind, obj.namespace)].append(obj)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(flat)))) as pool:
        listed = dict(zip(groups, pool.map(lambda g: _list(client, g), groups), strict=True))
        pods = _pods_by_namespace(client, pool, flat, listed)
        healths = list(pool.map(lambda item: _observe(client, item[1], listed, pods), flat))
    by_node: dict[str, list[Health]] = {}
    for (node_id, _), health in zip(flat, healths, strict=True):
        by_node.setdefault(node_id, []).append(health)
    return {node_id: worst(found) for node_id, found in by_node.items()}


def _list(client: ClusterClient, group: Group) -> dict[str, dict] | None:
    """name -> object, or None when the list failed (then each object is read on its own)."""
    api_version, kind, namespace = group
    try:
        items = client.list(api_version, kind, namespace=namespace, label_selector=MANAGED)
    except ClusterError:
        return None
    return {item["metadata"]["name"]: item for item in items}


def _live(obj: RenderedObject, listed: dict[Group, dict[str, dict] | None]) -> dict | None:
    found = listed.get((obj.api_version, obj.k8s_kind, obj.namespace))
    return None if found is None else found.get(obj.name)


def _pod_label(live: dict) -> tuple[str, str] | None:
    """The workflow label a workload selects its pods by (KubeOrch renders it into every
    workload's selector), or None when the selector is not plain matchLabels with it."""
    selector = (live.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    if selector.get("matchExpressions") or WORKFLOW_LABEL not in labels:
        return None
    return WORKFLOW_LABEL, str(labels[WORKFLOW_LABEL])


def _pods_by_namespace(
    client: ClusterClient,
    pool: ThreadPoolExecutor,
    flat: list[tuple[str, RenderedObject]],
    listed: dict[Group, dict[str, dict] | None],
) -> dict[tuple[str, tuple[str, str]], list[dict] | None]:
    wanted = set()
    for _, obj in flat:
        live = _live(obj, listed) if obj.k8s_kind in WORKLOAD_KINDS else None
        label = _pod_label(live) if live else None
        if label:
            wanted.add((obj.namespace, label))

    def pods_of(key: tuple[str, tuple[str, str]]) -> list[dict] | None:
        namespace, (name, value) = key
        try:
            return client.list("v1", "Pod", namespace=namespace, label_selector=f"{name}={value}")
        except ClusterError:
            return None

    keys = sorted(wanted)
    return dict(zip(keys, pool.map(pods_of, keys), strict=True))


def _observe(
    client: ClusterClient,
    obj: RenderedObject,
    listed: dict[Group, dict[str, dict] | None],
    pods: dict[tuple[str, tuple[str, str]], list[dict] | None],
) -> Health:
    if (
        obj.k8s_kind in RELATED_KINDS
        or listed.get((obj.api_version, obj.k8s_kind, obj.namespace)) is None
    ):
        return observe_object(client, obj)
    live = _live(obj, listed)
    if live is None:
        return observe_object(client, obj)  # not listed: read it by name to be sure
    if obj.k8s_kind not in WORKLOAD_KINDS:
        return assess(live)
    label = _pod_label(live)
    candidates = pods.get((obj.namespace, label)) if label else None
    if candidates is None:
        return observe_object(client, obj)
    selected = [p for p in candidates if _matches(live, p)]
    return assess(live, pods=sorted(selected, key=_name))


def _name(pod: dict) -> str:
    return str(pod["metadata"]["name"])


def _matches(live: dict, pod: dict) -> bool:
    """Does the workload's selector (plain matchLabels, checked by _pod_label) select pod?"""
    wanted: dict[str, Any] = live["spec"]["selector"]["matchLabels"]
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(key) == value for key, value in wanted.items())
