"""Kinds with no controller-driven status: healthy as soon as they exist.

Details summarise the content for the canvas. Secrets expose only their type and the
number of keys: never values, and not key names either (they can hint at what is inside).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .fields import as_list, as_map, dig, spec
from .model import Context, Health, healthy
from .registry import register

Summary = Callable[[Mapping[str, Any]], dict[str, Any]]


def _configmap(obj: Mapping[str, Any]) -> dict[str, Any]:
    keys = sorted([*as_map(obj.get("data")), *as_map(obj.get("binaryData"))])
    return {"keys": len(keys), "key_names": keys, "immutable": obj.get("immutable") is True}


def _secret(obj: Mapping[str, Any]) -> dict[str, Any]:
    keys = {*as_map(obj.get("data")), *as_map(obj.get("stringData"))}
    return {
        "type": obj.get("type") or "Opaque",
        "keys": len(keys),
        "immutable": obj.get("immutable") is True,
    }


def _service_account(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "secrets": len(as_list(obj.get("secrets"))),
        "image_pull_secrets": len(as_list(obj.get("imagePullSecrets"))),
        "automount_token": obj.get("automountServiceAccountToken"),
    }


def _network_policy(obj: Mapping[str, Any]) -> dict[str, Any]:
    sp = spec(obj)
    return {
        "policy_types": as_list(sp.get("policyTypes")),
        "pod_selector": dict(as_map(dig(sp, "podSelector", "matchLabels"))),
        "ingress_rules": len(as_list(sp.get("ingress"))),
        "egress_rules": len(as_list(sp.get("egress"))),
    }


def _rules(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {"rules": len(as_list(obj.get("rules")))}


def _binding(obj: Mapping[str, Any]) -> dict[str, Any]:
    role = as_map(obj.get("roleRef"))
    return {
        "role": f"{role.get('kind')}/{role.get('name')}",
        "subjects": len(as_list(obj.get("subjects"))),
    }


def _nothing(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {}


PASSIVE_KINDS: dict[str, tuple[tuple[str, ...], Summary]] = {
    "ConfigMap": (("",), _configmap),
    "Secret": (("",), _secret),
    "ServiceAccount": (("",), _service_account),
    "NetworkPolicy": (("networking.k8s.io",), _network_policy),
    "Role": (("rbac.authorization.k8s.io",), _rules),
    "ClusterRole": (("rbac.authorization.k8s.io",), _rules),
    "RoleBinding": (("rbac.authorization.k8s.io",), _binding),
    "ClusterRoleBinding": (("rbac.authorization.k8s.io",), _binding),
    "LimitRange": (("",), _nothing),
    "ResourceQuota": (("",), _nothing),
    "Endpoints": (("",), _nothing),
    "EndpointSlice": (("discovery.k8s.io",), _nothing),
    "StorageClass": (("storage.k8s.io",), _nothing),
    "PriorityClass": (("scheduling.k8s.io",), _nothing),
    "IngressClass": (("networking.k8s.io",), _nothing),
}


def _make_assessor(summary: Summary) -> Callable[[Mapping[str, Any], Context], Health]:
    def assess_passive(obj: Mapping[str, Any], ctx: Context) -> Health:
        return healthy("present", **summary(obj))

    return assess_passive


for _kind, (_groups, _summary) in PASSIVE_KINDS.items():
    register(_kind, *_groups)(_make_assessor(_summary))
