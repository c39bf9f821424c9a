"""Edges from the references between imported objects, in KubeOrch's direction
(referrer -> referenced): Service -> selected workload, Ingress -> backend Service,
ConfigMap/Secret/PVC -> consuming workload, HPA -> scale target, NetworkPolicy -> selected
workloads. Also sets what an edge alone cannot say: how a ConfigMap/Secret/PVC is mounted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.importer.drafts import Draft, Notes, as_dict, as_list
from workflows.importer.pods import env_references
from workflows.kinds import EDGE_RULES
from workflows.kinds.podspec import WORKLOAD_KINDS
from workflows.kinds.service import SERVICE_TARGETS

_VOLUME_KINDS = {"configMap": ("configmap", "name"), "secret": ("secret", "secretName"),
                 "persistentVolumeClaim": ("persistentvolumeclaim", "claimName")}
_ENV_FROM_KINDS = {"configMapRef": "configmap", "secretRef": "secret"}
_SCALABLE = {"Deployment": "deployment", "StatefulSet": "statefulset"}


@dataclass
class Use:
    """How one workload consumes one ConfigMap, Secret or PVC."""

    mount_paths: list[str] = field(default_factory=list)
    env_from: bool = False
    read_only: bool = False


@dataclass
class Linker:
    drafts: list[Draft]
    notes: Notes
    edges: list[tuple[str, str]] = field(default_factory=list)
    uses: dict[str, dict[str, Use]] = field(default_factory=dict)  # source id -> consumer id

    def __post_init__(self) -> None:
        self.by_key = {(d.type_id, d.namespace, d.name): d for d in self.drafts}

    def find(self, type_id: str, namespace: str, name: Any) -> Draft | None:
        return self.by_key.get((type_id, namespace, name)) if isinstance(name, str) else None

    def connect(self, source: Draft, target: Draft) -> None:
        pair = (source.id, target.id)
        if target.type_id in EDGE_RULES[source.type_id] and pair not in self.edges:
            self.edges.append(pair)

    def workloads(self, namespace: str, kinds: Iterable[str] = WORKLOAD_KINDS) -> list[Draft]:
        return [d for d in self.drafts if d.type_id in kinds and d.namespace == namespace]


def infer_edges(drafts: list[Draft], notes: Notes) -> list[tuple[str, str]]:
    linker = Linker(drafts, notes)
    for draft in drafts:
        if draft.type_id in WORKLOAD_KINDS:
            _link_pod(linker, draft)
    _apply_uses(linker)
    for draft in drafts:
        if draft.type_id in _LINKERS:
            _LINKERS[draft.type_id](linker, draft)
    for draft in drafts:
        if draft.type_id == "statefulset":
            _drop_implied_service_name(linker, draft)
    return linker.edges


# --- pods: volumes, envFrom, env key references ---------------------------------------------


def _link_pod(linker: Linker, workload: Draft) -> None:
    mounts = _by_name(workload.container.get("volumeMounts"))
    devices = _by_name(workload.container.get("volumeDevices"))
    for volume in _by_name(workload.pod_spec.get("volumes")).values():
        _link_volume(linker, workload, volume, mounts.get(volume["name"]),
                     devices.get(volume["name"]))
    for raw in as_list(workload.container.get("envFrom")):
        entry = as_dict(raw)
        for ref_key, type_id in _ENV_FROM_KINDS.items():
            if ref_key in entry:
                if entry.get("prefix"):
                    linker.notes.add(workload.label, "envFrom prefixes are not modelled by "
                                                     "KubeOrch and were dropped")
                use = _use(linker, workload, type_id, as_dict(entry[ref_key]).get("name"))
                if use is not None:
                    use.env_from = True
    for type_id, name in env_references(workload.container):
        _use(linker, workload, type_id, name)


def _by_name(items: Any) -> dict[str, dict[str, Any]]:
    """Named entries (volumes, mounts) by name; entries without a usable name are ignored."""
    entries = (as_dict(item) for item in as_list(items))
    return {entry["name"]: entry for entry in entries if isinstance(entry.get("name"), str)}


def _link_volume(
    linker: Linker, workload: Draft, volume: Mapping[str, Any],
    mount: Mapping[str, Any] | None, device: Mapping[str, Any] | None,
) -> None:
    source_key = next((key for key in _VOLUME_KINDS if key in volume), None)
    if source_key is None:
        kinds = ", ".join(k for k in volume if k != "name") or "no source"
        linker.notes.add(workload.label, f"volume {volume.get('name')!r} ({kinds}) is not "
                                         "modelled by KubeOrch and was dropped")
        return
    type_id, name_key = _VOLUME_KINDS[source_key]
    ref = as_dict(volume[source_key])
    use = _use(linker, workload, type_id, ref.get(name_key))
    if use is None:
        return
    if ref.get("items"):
        linker.notes.add(workload.label, f"volume {volume.get('name')!r} selects items; "
                                         "KubeOrch mounts every key")
    if mount and mount.get("subPath"):
        linker.notes.add(workload.label, f"the subPath of volume {volume.get('name')!r} is "
                                         "not modelled by KubeOrch: the whole volume is mounted")
    if mount and isinstance(mount.get("mountPath"), str):
        use.mount_paths.append(mount["mountPath"])
    elif device and isinstance(device.get("devicePath"), str):
        use.mount_paths.append(device["devicePath"])
    use.read_only = bool(ref.get("readOnly")) or bool(mount and mount.get("readOnly"))


def _use(linker: Linker, workload: Draft, type_id: str, name: Any) -> Use | None:
    source = linker.find(type_id, workload.namespace, name)
    noun = {"configmap": "ConfigMap", "secret": "Secret",
            "persistentvolumeclaim": "PersistentVolumeClaim"}[type_id]
    if source is None:
        linker.notes.add(workload.label, f"uses {noun} {name!r}, which is not in the YAML; "
                                         "it is not connected")
        return None
    if workload.type_id not in EDGE_RULES[type_id]:
        linker.notes.add(workload.label, f"KubeOrch cannot connect a {noun} to a "
                                         f"{workload.type_id}; {noun} {name!r} is not connected")
        return None
    linker.connect(source, workload)
    return linker.uses.setdefault(source.id, {}).setdefault(workload.id, Use())


def _apply_uses(linker: Linker) -> None:
    """A node mounts the same way into every workload it is connected to: take the union."""
    drafts = {d.id: d for d in linker.drafts}
    for source_id, by_consumer in linker.uses.items():
        source = drafts[source_id]
        uses = list(by_consumer.values())
        paths = [path for use in uses for path in use.mount_paths]
        source.data["mount"] = bool(paths)
        if paths:
            source.data["mountPath"] = paths[0]
        if source.type_id == "persistentvolumeclaim":
            source.data["readOnly"] = any(use.read_only for use in uses)
        else:
            source.data["envFrom"] = any(use.env_from for use in uses)
        ways = {(tuple(use.mount_paths[:1]), use.env_from) for use in uses}
        if len(ways) > 1 or len(set(paths)) > 1:
            consumers = ", ".join(drafts[c].name for c in by_consumer)
            linker.notes.add(source.label, "workloads consume it differently; KubeOrch uses one "
                                           f"way for all connected workloads ({consumers})")


# --- Services, StatefulSets, Ingresses, HPAs, NetworkPolicies -------------------------------


def label_map_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == str(val) for k, val in selector.items())


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against a pod's labels."""
    match_labels = as_dict(selector.get("matchLabels"))
    if any(labels.get(k) != str(val) for k, val in match_labels.items()):
        return False
    for raw in as_list(selector.get("matchExpressions")):
        expr = as_dict(raw)
        key, values = str(expr.get("key")), [str(x) for x in as_list(expr.get("values"))]
        operator = expr.get("operator")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _link_service(linker: Linker, service: Draft) -> None:
    selector = as_dict(as_dict(service.source.body.get("spec")).get("selector"))
    if not selector:
        return
    matched = [w for w in linker.workloads(service.namespace)
               if label_map_matches(selector, w.pod_labels)]
    connectable = [w for w in matched if w.type_id in SERVICE_TARGETS]
    if not connectable or len(connectable) < len(matched):
        # Only an explicit selector keeps selecting Job or CronJob pods.
        service.data["selector"] = {str(k): str(val) for k, val in selector.items()}
        return
    if len(connectable) > 1:
        names = ", ".join(w.name for w in connectable)
        linker.notes.add(service.label, f"selects several workloads ({names}); KubeOrch "
                                        f"connects a Service to one: {connectable[0].name}")
    linker.connect(service, connectable[0])


def _drop_implied_service_name(linker: Linker, statefulset: Draft) -> None:
    """Keep serviceName only when the connected Services would not imply it."""
    wanted = statefulset.data.get("serviceName")
    services = [d for d in linker.drafts if (d.id, statefulset.id) in linker.edges
                and d.type_id == "service"]
    headless = [svc for svc in services if svc.data.get("serviceType") == "Headless"]
    implied = (headless or services or [statefulset])[0].name
    if wanted == implied:
        del statefulset.data["serviceName"]


def _link_ingress(linker: Linker, ingress: Draft) -> None:
    paths = []
    for raw in ingress.data.pop("paths", []):
        path = _ingress_path(linker, ingress, raw)
        if path is not None:
            paths.append(path)
    if paths:
        ingress.data["paths"] = paths


def _ingress_path(linker: Linker, ingress: Draft, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    backend = as_dict(raw.get("backend"))
    service_ref = as_dict(backend.get("service"))
    name = service_ref.get("name", backend.get("serviceName"))
    port_ref = as_dict(service_ref.get("port"))
    port = port_ref.get("number", port_ref.get("name", backend.get("servicePort")))
    service = linker.find("service", ingress.namespace, name)
    where = raw.get("path") or "/"
    if service is None:
        linker.notes.add(ingress.label, f"path {where} routes to Service {name!r}, which is not "
                                        "in the YAML; the path is dropped")
        return None
    linker.connect(ingress, service)
    path: dict[str, Any] = {"path": where, "pathType": raw.get("pathType") or "Prefix",
                            "service": service.name}
    number = _service_port_number(service, port)
    if number is None:
        linker.notes.add(ingress.label, f"path {where}: Service {name!r} has no port {port!r}; "
                                        "it uses the Service's first port")
    elif number != _first_service_port(service):
        path["port"] = number
    return path


def _service_port_number(service: Draft, port: Any) -> int | None:
    ports = service.data.get("ports") or [service.data]
    for item in ports:
        if port in (item.get("port"), item.get("name")) and isinstance(item.get("port"), int):
            return int(item["port"])
    return None


def _first_service_port(service: Draft) -> Any:
    ports = service.data.get("ports")
    return ports[0]["port"] if ports else service.data.get("port", 80)


def _link_hpa(linker: Linker, hpa: Draft) -> None:
    ref = as_dict(as_dict(hpa.source.body.get("spec")).get("scaleTargetRef"))
    target = linker.find(_SCALABLE.get(str(ref.get("kind")), ""), hpa.namespace, ref.get("name"))
    if target is None:
        linker.notes.add(hpa.label, f"scales {ref.get('kind')} {ref.get('name')!r}, which is not "
                                    "a Deployment or StatefulSet of the YAML")
    else:
        linker.connect(hpa, target)


def _link_network_policy(linker: Linker, policy: Draft) -> None:
    selector = as_dict(as_dict(policy.source.body.get("spec")).get("podSelector"))
    matched = [] if not selector else [w for w in linker.workloads(policy.namespace)
                                       if selector_matches(selector, w.pod_labels)]
    targets = EDGE_RULES["networkpolicy"]
    if matched and all(w.type_id in targets for w in matched):
        for workload in matched:
            linker.connect(policy, workload)
        return
    # An empty selector means every pod of the namespace: edges would narrow it to this graph.
    if selector.get("matchExpressions"):
        linker.notes.add(policy.label, "podSelector matchExpressions are not modelled by "
                                       "KubeOrch; only matchLabels were kept")
    policy.data["podSelector"] = {str(k): str(v)
                                  for k, v in as_dict(selector.get("matchLabels")).items()}


_LINKERS = {"service": _link_service, "ingress": _link_ingress, "hpa": _link_hpa,
            "networkpolicy": _link_network_policy}
