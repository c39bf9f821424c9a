"""Service side of the network: Endpoints from ready pods, LoadBalancer and Ingress status."""

from __future__ import annotations

from .. import resources as R
from ..selectors import selector_matches
from ..util import Obj, dig
from .base import Context
from .pods import is_active, is_ready

ENDPOINT_CONTROLLER = "endpoint-controller"
SERVICE_CONTROLLER = "service-controller"
INGRESS_CONTROLLER = "sandbox-ingress-controller"
LOADBALANCER_INGRESS = [{"ip": "127.0.0.1", "ipMode": "VIP"}]


def _resolve_target_port(port: Obj, pods: list[Obj]) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    for pod in pods:
        for container in dig(pod, "spec", "containers", default=[]):
            for declared in container.get("ports") or []:
                if declared.get("name") == target:
                    return int(declared["containerPort"])
    return None


def _address(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
            "targetRef": {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                          "uid": meta["uid"]}}


class EndpointsController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._managed: set[tuple[str, str]] = set()

    def reconcile(self) -> None:
        services = self.ctx.store.list(R.SERVICES)[0]
        wanted = set()
        for svc in services:
            if dig(svc, "spec", "selector"):
                wanted.add((svc["metadata"]["namespace"], svc["metadata"]["name"]))
                self._sync(svc)
        for namespace, name in self._managed - wanted:
            if self.ctx.store.get(R.ENDPOINTS, namespace, name) is not None:
                self.ctx.store.remove(R.ENDPOINTS, namespace, name)
        self._managed = wanted

    def _subsets(self, svc: Obj) -> list[Obj]:
        selector = {"matchLabels": svc["spec"]["selector"]}
        def selected(pod: Obj) -> bool:
            return bool(is_active(pod) and dig(pod, "status", "podIP")
                        and selector_matches(selector, pod["metadata"].get("labels") or {}))

        pods = self.ctx.store.list(R.PODS, svc["metadata"]["namespace"], selected)[0]
        ready = [_address(p) for p in pods if is_ready(p)]
        not_ready = [_address(p) for p in pods if not is_ready(p)]
        if not pods:
            return []
        ports = []
        for port in svc["spec"].get("ports") or []:
            resolved = _resolve_target_port(port, pods)
            if resolved is not None:
                entry = {"port": resolved, "protocol": port.get("protocol", "TCP")}
                if port.get("name"):
                    entry["name"] = port["name"]
                ports.append(entry)
        subset: Obj = {"ports": ports}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        return [subset]

    def _sync(self, svc: Obj) -> None:
        namespace, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        subsets = self._subsets(svc)
        existing = self.ctx.store.get(R.ENDPOINTS, namespace, name)
        labels = dict(svc["metadata"].get("labels") or {})
        if existing is None:
            body: Obj = {"metadata": {"name": name, "labels": labels}}
            if subsets:
                body["subsets"] = subsets
            self.ctx.create(R.ENDPOINTS, namespace, body, ENDPOINT_CONTROLLER)
        elif existing.get("subsets", []) != subsets:
            existing.pop("subsets", None)
            if subsets:
                existing["subsets"] = subsets
            self.ctx.write_object(R.ENDPOINTS, existing, ENDPOINT_CONTROLLER)


class LoadBalancerController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        for svc in self.ctx.store.list(R.SERVICES)[0]:
            is_lb = dig(svc, "spec", "type") == "LoadBalancer"
            current = dig(svc, "status", "loadBalancer", "ingress")
            if is_lb and current != LOADBALANCER_INGRESS:
                self.ctx.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer",
                               SERVICE_CONTROLLER)
                self.ctx.write_status(R.SERVICES, svc, {"loadBalancer": {
                    "ingress": LOADBALANCER_INGRESS}}, SERVICE_CONTROLLER)
                self.ctx.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer",
                               SERVICE_CONTROLLER)
            elif not is_lb and current:
                self.ctx.write_status(R.SERVICES, svc, {"loadBalancer": {}}, SERVICE_CONTROLLER)
        for ingress in self.ctx.store.list(R.INGRESSES)[0]:
            wanted = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
            if ingress.get("status") != wanted:
                self.ctx.write_status(R.INGRESSES, ingress, wanted, INGRESS_CONTROLLER)
                self.ctx.event(ingress, "Normal", "Sync", "Scheduled for sync",
                               INGRESS_CONTROLLER)
