"""Objects every fresh sandbox starts with: namespaces, the node, storage and ingress classes."""

from __future__ import annotations

from . import resources as R
from .api import Api
from .util import Obj

NODE_NAME = "sandbox-node"
NODE_CAPACITY = {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"}


def _node() -> Obj:
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": NODE_NAME, "labels": {
            "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": ""}},
        "spec": {"podCIDR": "10.244.0.0/16", "podCIDRs": ["10.244.0.0/16"]},
    }


def _node_status(now: str) -> Obj:
    return {
        "capacity": dict(NODE_CAPACITY), "allocatable": dict(NODE_CAPACITY),
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                      {"type": "Hostname", "address": NODE_NAME}],
        "conditions": [
            {"type": t, "status": "False", "reason": r, "message": m,
             "lastHeartbeatTime": now, "lastTransitionTime": now}
            for t, r, m in (
                ("MemoryPressure", "KubeletHasSufficientMemory",
                 "kubelet has sufficient memory available"),
                ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"))
        ] + [{"type": "Ready", "status": "True", "reason": "KubeletReady",
              "message": "kubelet is posting ready status", "lastHeartbeatTime": now,
              "lastTransitionTime": now}],
        "nodeInfo": {"kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0",
                     "containerRuntimeVersion": "sandbox://1.0", "operatingSystem": "linux",
                     "architecture": "amd64", "osImage": "KubeOrch Sandbox",
                     "kernelVersion": "6.1.0", "machineID": "sandbox", "systemUUID": "sandbox",
                     "bootID": "sandbox"},
    }


def bootstrap(api: Api) -> None:
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        api.create(R.NAMESPACES, None, {"metadata": {"name": name}}, "sandbox-bootstrap")
    node = api.create(R.NODES, None, _node(), "sandbox-bootstrap")
    node["status"] = _node_status(node["metadata"]["creationTimestamp"])
    api.update(R.NODES, None, NODE_NAME, node, "kubelet", subresource="status")
    api.create(R.STORAGECLASSES, None, {
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "sandbox.kubeorch.io/hostpath", "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate", "allowVolumeExpansion": True}, "sandbox-bootstrap")
    api.create(R.INGRESSCLASSES, None, {
        "metadata": {"name": "sandbox", "annotations": {
            "ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": "sandbox.kubeorch.io/ingress"}}, "sandbox-bootstrap")
    api.create(R.SERVICES, "default", {
        "metadata": {"name": "kubernetes", "labels": {
            "component": "apiserver", "provider": "kubernetes"}},
        "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 6443}]}},
        "kube-apiserver")
