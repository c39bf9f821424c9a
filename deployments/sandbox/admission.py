"""Mutations the API server makes on create/update beyond defaulting: IP and port allocation,
initial statuses, identity preservation."""

from __future__ import annotations

import ipaddress
import itertools
import threading

from .util import Obj, parse_quantity

_SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
_NODE_PORT_RANGE = range(30000, 32768)


class Allocators:
    """Cluster IPs and node ports, handed out sequentially and never reused (simple, unique)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cluster_ips = itertools.islice(_SERVICE_CIDR.hosts(), 0, None)
        self._node_ports = iter(_NODE_PORT_RANGE)
        self._used_node_ports: set[int] = set()

    def cluster_ip(self) -> str:
        with self._lock:
            return str(next(self._cluster_ips))

    def node_port(self) -> int:
        with self._lock:
            for port in self._node_ports:
                if port not in self._used_node_ports:
                    self._used_node_ports.add(port)
                    return port
        raise RuntimeError("node port range exhausted")

    def reserve_node_port(self, port: int) -> None:
        with self._lock:
            self._used_node_ports.add(port)


def admit_service(obj: Obj, old: Obj | None, allocators: Allocators) -> None:
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec", {})
    if spec.get("type") == "ExternalName":
        return
    if old_spec.get("clusterIP") and not spec.get("clusterIP"):
        spec["clusterIP"] = old_spec["clusterIP"]
    if not spec.get("clusterIP"):
        spec["clusterIP"] = allocators.cluster_ip()
    spec["clusterIPs"] = [spec["clusterIP"]]
    old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                 for p in old_spec.get("ports") or []}
    wants_node_ports = spec.get("type") in ("NodePort", "LoadBalancer")
    for port in spec.get("ports") or []:
        if not wants_node_ports:
            port.pop("nodePort", None)
            continue
        if port.get("nodePort"):
            allocators.reserve_node_port(int(port["nodePort"]))
            continue
        previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
        port["nodePort"] = previous or allocators.node_port()
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _qos_class(spec: Obj) -> str:
    containers = spec.get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(res) is not None
        and parse_quantity((r.get("requests") or r.get("limits") or {}).get(res))
        == parse_quantity((r.get("limits") or {}).get(res))
        for r in resources for res in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"


def admit_pod_create(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("tolerations", [
        {"key": f"node.kubernetes.io/{taint}", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300} for taint in ("not-ready", "unreachable")])
    obj["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


def admit_namespace_create(obj: Obj) -> None:
    name = obj["metadata"]["name"]
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj["spec"] = {"finalizers": ["kubernetes"]}
    obj["status"] = {"phase": "Active"}


def admit(obj: Obj, old: Obj | None, allocators: Allocators) -> None:
    kind = obj.get("kind")
    if kind == "Service":
        admit_service(obj, old, allocators)
    elif kind == "Pod" and old is None:
        admit_pod_create(obj)
    elif kind == "Namespace" and old is None:
        admit_namespace_create(obj)
    elif kind == "Namespace":
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = \
            obj["metadata"]["name"]
