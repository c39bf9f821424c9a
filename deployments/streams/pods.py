"""A workflow node's pods, read live from the workflow's cluster.

The node's objects come from rendering the saved graph (the same manifests a run applies); the
workload ones are looked up live and their pods found through their selectors. Everything here
blocks on the cluster: call it from a thread, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployments.cluster import ClusterClient
from deployments.cluster.models import KubeObject, ObjectList
from deployments.previews import cluster_of, render_workflow
from kubeorch.errors import Conflict, NotFound
from workflows.manifests import RenderedObject
from workflows.models import Workflow

# Kinds whose pods a user may want to read or open a shell into. A CronJob's pods belong to
# the Jobs it created, so it is resolved through them.
WORKLOAD_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}
)


@dataclass(frozen=True)
class NodePods:
    client: ClusterClient | None  # None when the node has no workload (nothing to ask)
    node_id: str
    pods: ObjectList


def node_objects(workflow: Workflow, node_id: str) -> list[RenderedObject]:
    if not any(isinstance(n, dict) and n.get("id") == node_id for n in workflow.nodes or []):
        raise NotFound(f"no node {node_id!r} in this workflow")
    return [obj for obj in render_workflow(workflow) if obj.node_id == node_id]


def node_pods(workflow: Workflow, node_id: str) -> NodePods:
    """The node's live pods (sorted by name); [] for kinds without pods or not deployed yet."""
    objects = node_objects(workflow, node_id)
    workloads = [obj for obj in objects if obj.k8s_kind in WORKLOAD_KINDS]
    if not workloads:
        return NodePods(client=None, node_id=node_id, pods=[])
    client = cluster_of(workflow)
    found: dict[str, KubeObject] = {}
    for obj in workloads:
        live = client.get(obj.api_version, obj.k8s_kind, obj.name, obj.namespace)
        if live is None:
            continue
        for workload in _pod_owners(client, obj, live):
            for pod in client.pods_for(workload):
                found[pod["metadata"]["name"]] = pod
    return NodePods(client, node_id, [found[name] for name in sorted(found)])


def _pod_owners(client: ClusterClient, obj: RenderedObject, live: KubeObject) -> ObjectList:
    if obj.k8s_kind != "CronJob":
        return [live]
    uid = live["metadata"].get("uid")
    jobs = client.list("batch/v1", "Job", namespace=obj.namespace)
    return [job for job in jobs if _owned_by(job, uid)]


def _owned_by(obj: KubeObject, uid: str | None) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return uid is not None and any(ref.get("uid") == uid for ref in refs)


# --- reading a pod ----------------------------------------------------------------------


def is_ready(pod: KubeObject) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def container_names(pod: KubeObject) -> list[str]:
    return [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]


def describe_pod(pod: KubeObject) -> dict[str, Any]:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    return {
        "name": pod["metadata"]["name"],
        "phase": status.get("phase") or "Unknown",
        "ready": is_ready(pod),
        "restarts": sum(int(s.get("restartCount") or 0) for s in statuses),
        "containers": container_names(pod),
        "node_name": (pod.get("spec") or {}).get("nodeName"),
        "started_at": status.get("startTime"),
    }


def select_pods(found: NodePods, name: str | None) -> ObjectList:
    """All the node's pods, or the one named (404 when it is not one of them)."""
    if not name:
        return found.pods
    for pod in found.pods:
        if pod["metadata"]["name"] == name:
            return [pod]
    names = ", ".join(p["metadata"]["name"] for p in found.pods) or "none"
    # Only the node's own pods: a name must not open up the rest of the namespace.
    raise NotFound(f'pods "{name}" not found among the pods of node {found.node_id!r} ({names})')


def default_pod(found: NodePods) -> KubeObject:
    """The first ready pod: where a terminal opens when the client names none."""
    for pod in found.pods:
        if is_ready(pod):
            return pod
    if not found.pods:
        raise NotFound(f"node {found.node_id!r} has no pods")
    raise Conflict(f"node {found.node_id!r} has no ready pod", code="no_ready_pod")
