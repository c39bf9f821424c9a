"""meta.k8s.io/v1 Table rendering, which `kubectl get` asks for (server-side printing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .util import Obj, dig, parse_iso


def human_age(timestamp: str | None) -> str:
    if not timestamp:
        return "<unknown>"
    seconds = max(0, int(time.time() - parse_iso(timestamp)))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h" if hours < 48 else f"{hours // 24}d"


def pod_status_reason(pod: Obj) -> str:
    """The STATUS column of `kubectl get pods`."""
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase", "Pending")
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    return str(reason)


def _pod_row(pod: Obj) -> list[Any]:
    statuses = dig(pod, "status", "containerStatuses", default=[])
    total = len(dig(pod, "spec", "containers", default=[]))
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    return [f"{ready}/{total}", pod_status_reason(pod), restarts,
            dig(pod, "status", "podIP", default="<none>"),
            dig(pod, "spec", "nodeName", default="<none>")]


def _service_row(svc: Obj) -> list[Any]:
    spec = svc.get("spec") or {}
    ingress = dig(svc, "status", "loadBalancer", "ingress", default=[])
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress)
    if not external:
        external = "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    ports = ",".join(
        f"{p.get('port')}" + (f":{p['nodePort']}" if p.get("nodePort") else "")
        + f"/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"), external,
            ports or "<none>"]


def _job_row(job: Obj) -> list[Any]:
    conditions = {c["type"]: c for c in dig(job, "status", "conditions", default=[])
                  if c.get("status") == "True"}
    state = "Complete" if "Complete" in conditions else "Failed" if "Failed" in conditions \
        else "Running"
    completions = f"{dig(job, 'status', 'succeeded', default=0)}/" \
                  f"{dig(job, 'spec', 'completions', default=1)}"
    return [state, completions]


_S, _I = "string", "integer"
Columns = list[tuple[str, str, int]]
_TABLES: dict[str, tuple[Columns, Callable[[Obj], list[Any]]]] = {
    "Pod": ([("Ready", _S, 0), ("Status", _S, 0), ("Restarts", _I, 0), ("IP", _S, 1),
             ("Node", _S, 1)], _pod_row),
    "Deployment": ([("Ready", _S, 0), ("Up-to-date", _I, 0), ("Available", _I, 0)], lambda d: [
        f"{dig(d, 'status', 'readyReplicas', default=0)}/{dig(d, 'spec', 'replicas', default=0)}",
        dig(d, "status", "updatedReplicas", default=0),
        dig(d, "status", "availableReplicas", default=0)]),
    "ReplicaSet": ([("Desired", _I, 0), ("Current", _I, 0), ("Ready", _I, 0)], lambda r: [
        dig(r, "spec", "replicas", default=0), dig(r, "status", "replicas", default=0),
        dig(r, "status", "readyReplicas", default=0)]),
    "StatefulSet": ([("Ready", _S, 0)], lambda s: [
        f"{dig(s, 'status', 'readyReplicas', default=0)}/{dig(s, 'spec', 'replicas', default=0)}"]),
    "DaemonSet": ([("Desired", _I, 0), ("Current", _I, 0), ("Ready", _I, 0)], lambda d: [
        dig(d, "status", "desiredNumberScheduled", default=0),
        dig(d, "status", "currentNumberScheduled", default=0),
        dig(d, "status", "numberReady", default=0)]),
    "Service": ([("Type", _S, 0), ("Cluster-IP", _S, 0), ("External-IP", _S, 0),
                 ("Port(s)", _S, 0)], _service_row),
    "Job": ([("Status", _S, 0), ("Completions", _S, 0)], _job_row),
    "Namespace": ([("Status", _S, 0)], lambda n: [dig(n, "status", "phase", default="Active")]),
    "Node": ([("Status", _S, 0), ("Roles", _S, 0), ("Version", _S, 0)],
             lambda n: ["Ready", "control-plane", "v1.32.0"]),
    "PersistentVolumeClaim": ([("Status", _S, 0), ("Volume", _S, 0), ("Capacity", _S, 0),
                               ("StorageClass", _S, 0)], lambda p: [
        dig(p, "status", "phase", default="Pending"), dig(p, "spec", "volumeName", default=""),
        dig(p, "status", "capacity", "storage", default=""),
        dig(p, "spec", "storageClassName", default="")]),
    "Event": ([("Type", _S, 0), ("Reason", _S, 0), ("Object", _S, 0), ("Message", _S, 0)],
              lambda e: [e.get("type"), e.get("reason"),
                         f"{dig(e, 'involvedObject', 'kind', default='').lower()}/"
                         f"{dig(e, 'involvedObject', 'name', default='')}", e.get("message")]),
}


def _column(name: str, kind: str, priority: int) -> dict[str, Any]:
    return {"name": name, "type": kind, "format": "name" if name == "Name" else "",
            "description": name, "priority": priority}


def to_table(kind: str, items: list[Obj], resource_version: str,
             include_object: str = "Metadata") -> dict[str, Any]:
    columns, row_fn = _TABLES.get(kind, ([], lambda o: []))
    definitions = [_column("Name", _S, 0), *[_column(*c) for c in columns],
                   _column("Age", _S, 0)]
    rows = []
    for item in items:
        cells = [item["metadata"]["name"], *row_fn(item),
                 human_age(item["metadata"].get("creationTimestamp"))]
        if include_object == "Object":
            embedded: Any = item
        elif include_object == "None":
            embedded = None
        else:
            embedded = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": item["metadata"]}
        rows.append({"cells": cells, "object": embedded})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": definitions, "rows": rows}
