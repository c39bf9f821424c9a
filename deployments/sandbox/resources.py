"""The catalogue of API resources the sandbox serves, shared by discovery, routing and storage."""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def qualified_plural(self) -> str:
        """`deployments.apps`, `pods`: the form used in NotFound/AlreadyExists messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """`Deployment.apps`, `Pod`: the form used in Invalid messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def base_path(self, namespace: str | None) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else "/api/v1"
        if self.namespaced and namespace:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"


def _rt(group: str, version: str, plural: str, kind: str, namespaced: bool = True,
        short: tuple[str, ...] = (), sub: tuple[str, ...] = (),
        categories: tuple[str, ...] = ()) -> ResourceType:
    return ResourceType(group, version, plural, kind.lower(), kind, namespaced, short, sub,
                        categories)


_ALL = ("all",)
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    _rt("", "v1", "namespaces", "Namespace", False, ("ns",), ("status", "finalize")),
    _rt("", "v1", "pods", "Pod", True, ("po",),
        ("status", "log", "exec", "attach", "portforward", "binding", "eviction",
         "ephemeralcontainers"), _ALL),
    _rt("", "v1", "services", "Service", True, ("svc",), ("status", "proxy"), _ALL),
    _rt("", "v1", "endpoints", "Endpoints", True, ("ep",)),
    _rt("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    _rt("", "v1", "secrets", "Secret", True),
    _rt("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), ("status",)),
    _rt("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",), ("status",)),
    _rt("", "v1", "nodes", "Node", False, ("no",), ("status", "proxy")),
    _rt("", "v1", "events", "Event", True, ("ev",)),
    _rt("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",), ("token",)),
    _rt("apps", "v1", "deployments", "Deployment", True, ("deploy",), ("status", "scale"), _ALL),
    _rt("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), ("status", "scale"), _ALL),
    _rt("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), ("status",), _ALL),
    _rt("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), ("status", "scale"), _ALL),
    _rt("batch", "v1", "jobs", "Job", True, (), ("status",), _ALL),
    _rt("batch", "v1", "cronjobs", "CronJob", True, ("cj",), ("status",), _ALL),
    _rt("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",), ("status",)),
    _rt("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    _rt("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    _rt("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
        ("hpa",), ("status",), _ALL),
    _rt("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
)

# Served only by sandboxes that enable them (SandboxCluster(knative=True)); `extra` below is
# the tuple of optional types a cluster serves. The built-in defaulting, admission, validation
# (by_kind) and tables know only RESOURCE_TYPES.
KNATIVE_SERVICES = _rt("serving.knative.dev", "v1", "services", "Service", True, ("ksvc",),
                       ("status",), ("all", "knative", "serving"))
OPTIONAL_TYPES: tuple[ResourceType, ...] = (KNATIVE_SERVICES,)
# Every type an object may be stored under (garbage collection, namespace teardown).
STORED_TYPES = RESOURCE_TYPES + OPTIONAL_TYPES

_BY_PATH = {(rt.group, rt.version, rt.plural): rt for rt in RESOURCE_TYPES}
_BY_KIND = {(rt.api_version, rt.kind): rt for rt in RESOURCE_TYPES}
_BY_KEY = {rt.key: rt for rt in RESOURCE_TYPES}


def lookup(group: str, version: str, plural: str,
           extra: tuple[ResourceType, ...] = ()) -> ResourceType | None:
    return _BY_PATH.get((group, version, plural)) or next(
        (rt for rt in extra if (rt.group, rt.version, rt.plural) == (group, version, plural)),
        None)


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    return _BY_KIND.get((api_version, kind))


def by_key(group: str, plural: str) -> ResourceType:
    return _BY_KEY[(group, plural)]


def groups(extra: tuple[ResourceType, ...] = ()) -> dict[str, list[str]]:
    """Non-core group name -> its versions, in catalogue order."""
    result: dict[str, list[str]] = {}
    for rt in RESOURCE_TYPES + extra:
        if rt.group and rt.version not in result.setdefault(rt.group, []):
            result[rt.group].append(rt.version)
    return result


def in_group_version(group: str, version: str,
                     extra: tuple[ResourceType, ...] = ()) -> list[ResourceType]:
    return [rt for rt in RESOURCE_TYPES + extra if rt.group == group and rt.version == version]


NAMESPACES = by_key("", "namespaces")
PODS = by_key("", "pods")
SERVICES = by_key("", "services")
ENDPOINTS = by_key("", "endpoints")
CONFIGMAPS = by_key("", "configmaps")
SECRETS = by_key("", "secrets")
PVCS = by_key("", "persistentvolumeclaims")
PVS = by_key("", "persistentvolumes")
NODES = by_key("", "nodes")
EVENTS = by_key("", "events")
SERVICEACCOUNTS = by_key("", "serviceaccounts")
DEPLOYMENTS = by_key("apps", "deployments")
STATEFULSETS = by_key("apps", "statefulsets")
DAEMONSETS = by_key("apps", "daemonsets")
REPLICASETS = by_key("apps", "replicasets")
JOBS = by_key("batch", "jobs")
CRONJOBS = by_key("batch", "cronjobs")
INGRESSES = by_key("networking.k8s.io", "ingresses")
INGRESSCLASSES = by_key("networking.k8s.io", "ingressclasses")
HPAS = by_key("autoscaling", "horizontalpodautoscalers")
STORAGECLASSES = by_key("storage.k8s.io", "storageclasses")
