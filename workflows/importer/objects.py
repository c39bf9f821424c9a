"""One Kubernetes object -> the ``data`` of a node of the matching kind.

References to other objects (selectors, backends, volumes, scale targets) are read later by
links.py, once every object has a node; here only the object's own fields are converted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from workflows.importer.documents import K8sObject
from workflows.importer.drafts import Notes, as_dict, as_list, quantity_text, scalar_text
from workflows.importer.pods import container_data, first_container, template_of
from workflows.kinds.secret import RUNTIME_KEYS_ANNOTATION

# (API group, kind) -> node kind. The group matters: a CRD may reuse a built-in kind's name.
SUPPORTED: dict[tuple[str, str], str] = {
    ("apps", "Deployment"): "deployment",
    ("apps", "StatefulSet"): "statefulset",
    ("apps", "DaemonSet"): "daemonset",
    ("batch", "Job"): "job",
    ("batch", "CronJob"): "cronjob",
    ("", "Service"): "service",
    ("networking.k8s.io", "Ingress"): "ingress",
    ("extensions", "Ingress"): "ingress",
    ("", "ConfigMap"): "configmap",
    ("", "Secret"): "secret",
    ("", "PersistentVolumeClaim"): "persistentvolumeclaim",
    ("autoscaling", "HorizontalPodAutoscaler"): "hpa",
    ("networking.k8s.io", "NetworkPolicy"): "networkpolicy",
}

_SECRET_TYPES = ("Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson",
                 "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth")
_JOB_FIELDS = ("backoffLimit", "completions", "parallelism", "activeDeadlineSeconds",
               "ttlSecondsAfterFinished")
_CRON_FIELDS = ("schedule", "timeZone", "concurrencyPolicy", "suspend",
                "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")

Converter = Callable[[K8sObject, dict[str, Any], Notes], dict[str, Any] | None]


def node_kind(obj: K8sObject) -> str | None:
    return SUPPORTED.get((obj.api_group, obj.kind))


def kind_data(type_id: str, obj: K8sObject, notes: Notes) -> dict[str, Any] | None:
    """The kind-specific fields of ``obj``; None when it cannot be a node (warned)."""
    spec = as_dict(obj.body.get("spec"))
    return _CONVERTERS[type_id](obj, spec, notes)


# --- workloads ------------------------------------------------------------------------------


def _workload(type_id: str, obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    pod_spec = as_dict(template_of(type_id, spec).get("spec"))
    container = first_container(pod_spec, obj.label, notes)
    return container_data(container, pod_spec, obj.label, notes)


def _deployment(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data = _workload("deployment", obj, spec, notes)
    if isinstance(spec.get("replicas"), int):
        data["replicas"] = spec["replicas"]
    strategy = as_dict(spec.get("strategy")).get("type")
    if strategy in ("RollingUpdate", "Recreate"):
        data["strategy"] = strategy
    return data


def _statefulset(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data = _workload("statefulset", obj, spec, notes)
    if isinstance(spec.get("replicas"), int):
        data["replicas"] = spec["replicas"]
    if isinstance(spec.get("serviceName"), str) and spec["serviceName"]:
        data["serviceName"] = spec["serviceName"]  # links.py drops it when an edge implies it
    if spec.get("podManagementPolicy") in ("OrderedReady", "Parallel"):
        data["podManagementPolicy"] = spec["podManagementPolicy"]
    return data


def _daemonset(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data = _workload("daemonset", obj, spec, notes)
    strategy = as_dict(spec.get("updateStrategy")).get("type")
    if strategy in ("RollingUpdate", "OnDelete"):
        data["updateStrategy"] = strategy
    return data


def _job_fields(job_spec: Mapping[str, Any]) -> dict[str, Any]:
    data = {key: job_spec[key] for key in _JOB_FIELDS if isinstance(job_spec.get(key), int)}
    pod_spec = as_dict(as_dict(job_spec.get("template")).get("spec"))
    if pod_spec.get("restartPolicy") in ("OnFailure", "Never"):
        data["restartPolicy"] = pod_spec["restartPolicy"]
    return data


def _job(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    return {**_workload("job", obj, spec, notes), **_job_fields(spec)}


def _cronjob(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data = _workload("cronjob", obj, spec, notes)
    data.update(_job_fields(as_dict(as_dict(spec.get("jobTemplate")).get("spec"))))
    data.update({key: spec[key] for key in _CRON_FIELDS if key in spec and spec[key] is not None})
    return data


# --- networking -----------------------------------------------------------------------------


def _service(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any] | None:
    service_type = spec.get("type") or "ClusterIP"
    if service_type == "ExternalName":
        notes.add(obj.label, "ExternalName Services are not supported by KubeOrch; skipped")
        return None
    if service_type == "ClusterIP" and spec.get("clusterIP") == "None":
        service_type = "Headless"
    data: dict[str, Any] = {"serviceType": service_type}
    ports = [_service_port(as_dict(item)) for item in as_list(spec.get("ports"))]
    if len(ports) == 1 and "name" not in ports[0]:
        data.update(ports[0])
    elif ports:
        data["ports"] = ports
    if spec.get("sessionAffinity") == "ClientIP":
        data["sessionAffinity"] = "ClientIP"
    if service_type in ("NodePort", "LoadBalancer") and spec.get("externalTrafficPolicy"):
        data["externalTrafficPolicy"] = spec["externalTrafficPolicy"]
    return data


def _service_port(item: Mapping[str, Any]) -> dict[str, Any]:
    port = {key: item[key] for key in ("name", "port", "targetPort", "nodePort")
            if item.get(key) is not None}
    port["protocol"] = item.get("protocol") or "TCP"
    return port


def _ingress(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if isinstance(spec.get("ingressClassName"), str):
        data["ingressClassName"] = spec["ingressClassName"]
    rules = [as_dict(rule) for rule in as_list(spec.get("rules"))]
    hosts = list(dict.fromkeys(str(rule["host"]) for rule in rules if rule.get("host")))
    if hosts:
        data["host"] = hosts[0]
    if len(hosts) > 1:
        notes.add(obj.label, f"KubeOrch routes one host per Ingress; kept {hosts[0]!r}, "
                             f"dropped the rules of {', '.join(map(repr, hosts[1:]))}")
        rules = [rule for rule in rules if rule.get("host") in (None, hosts[0])]
    if spec.get("defaultBackend") or spec.get("backend"):
        notes.add(obj.label, "the default backend is not modelled by KubeOrch and was dropped")
    tls = [as_dict(item) for item in as_list(spec.get("tls"))]
    if tls:
        secret = tls[0].get("secretName")
        data["tls"] = True if secret in (None, f"{obj.name}-tls") else {"secretName": secret}
    # Backends are resolved against Service nodes in links.py; kept raw until then.
    data["paths"] = [as_dict(path) for rule in rules
                     for path in as_list(as_dict(rule.get("http")).get("paths"))]
    return data


def _network_policy(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data: dict[str, Any] = {}
    types = [t for t in as_list(spec.get("policyTypes")) if t in ("Ingress", "Egress")]
    if types:
        data["policyTypes"] = list(dict.fromkeys(types))
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        if direction in spec:
            data[direction] = [_policy_rule(as_dict(rule), peers_key, obj.label, notes)
                               for rule in as_list(spec[direction])]
    return data  # the podSelector becomes edges or a field in links.py


def _policy_rule(rule: Mapping[str, Any], peers_key: str, about: str, notes: Notes
                 ) -> dict[str, Any]:
    result: dict[str, Any] = {}
    peers = [_peer(as_dict(peer), about, notes) for peer in as_list(rule.get(peers_key))]
    if peers:
        result[peers_key] = peers
    ports = [_policy_port(as_dict(port)) for port in as_list(rule.get("ports"))]
    if ports:
        result["ports"] = ports
    return result


def _peer(peer: Mapping[str, Any], about: str, notes: Notes) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in ("podSelector", "namespaceSelector"):
        if key in peer:
            selector = as_dict(peer[key])
            if selector.get("matchExpressions"):
                notes.add(about, f"matchExpressions of a {key} are not modelled by KubeOrch "
                                 "and were dropped")
            result[key] = {str(k): str(val) for k, val in as_dict(selector.get("matchLabels"))
                           .items()}
    if "ipBlock" in peer:
        block = as_dict(peer["ipBlock"])
        result["ipBlock"] = {key: block[key] for key in ("cidr", "except") if key in block}
    return result


def _policy_port(port: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: port[key] for key in ("port", "endPort") if port.get(key) is not None}
    result["protocol"] = port.get("protocol") or "TCP"
    return result


# --- config and storage ---------------------------------------------------------------------


def _configmap(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data: dict[str, Any] = {}
    values = {str(k): scalar_text(val) for k, val in as_dict(obj.body.get("data")).items()}
    if values:
        data["data"] = values
    if obj.body.get("binaryData"):
        notes.add(obj.label, "binaryData is not modelled by KubeOrch and was dropped")
    if isinstance(obj.body.get("immutable"), bool):
        data["immutable"] = obj.body["immutable"]
    return data


def _secret(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any] | None:
    secret_type = obj.body.get("type") or "Opaque"
    if secret_type not in _SECRET_TYPES:
        notes.add(obj.label, f"Secrets of type {secret_type} are managed by the cluster or "
                             "another tool, not KubeOrch; skipped")
        return None
    # The values are the user's own: they are kept (the API and UI mask them).
    values = _decoded(obj, as_dict(obj.body.get("data")), notes)
    values.update({str(k): scalar_text(val)
                   for k, val in as_dict(obj.body.get("stringData")).items()})
    data: dict[str, Any] = {"secretType": secret_type}
    if values:
        data["data"] = values
    annotations = as_dict(as_dict(obj.body.get("metadata")).get("annotations"))
    runtime = str(annotations.get(RUNTIME_KEYS_ANNOTATION) or "")
    keys = [key for key in runtime.split(",") if key and key not in values]
    if keys:
        data["keys"] = list(dict.fromkeys(keys))
    return data


def _decoded(obj: K8sObject, encoded: Mapping[str, Any], notes: Notes) -> dict[str, str]:
    values = {}
    for key, raw in encoded.items():
        try:
            values[str(key)] = base64.b64decode(str(raw or ""), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            notes.add(obj.label, f"the value of {key!r} is not base64-encoded UTF-8 text, which "
                                 "KubeOrch cannot store; dropped")
    return values


def _claim(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data: dict[str, Any] = {}
    storage = quantity_text(as_dict(as_dict(spec.get("resources")).get("requests")).get("storage"))
    if storage:
        data["storage"] = storage
    modes = [mode for mode in as_list(spec.get("accessModes")) if isinstance(mode, str)]
    if modes:
        data["accessModes"] = list(dict.fromkeys(modes))
    if isinstance(spec.get("storageClassName"), str):
        data["storageClassName"] = spec["storageClassName"]
    if spec.get("volumeMode") in ("Filesystem", "Block"):
        data["volumeMode"] = spec["volumeMode"]
    if spec.get("selector") or spec.get("volumeName") or spec.get("dataSource"):
        notes.add(obj.label, "binding to a given volume (selector, volumeName, dataSource) is "
                             "not modelled by KubeOrch and was dropped")
    return data


def _hpa(obj: K8sObject, spec: dict[str, Any], notes: Notes) -> dict[str, Any]:
    data: dict[str, Any] = {key: spec[key] for key in ("minReplicas", "maxReplicas")
                            if isinstance(spec.get(key), int)}
    targets = []
    if isinstance(spec.get("targetCPUUtilizationPercentage"), int):  # autoscaling/v1
        targets.append({"type": "cpu",
                        "averageUtilization": spec["targetCPUUtilizationPercentage"]})
    for metric in as_list(spec.get("metrics")):
        target = _utilization_target(as_dict(metric))
        if target is None:
            notes.add(obj.label, f"only CPU and memory utilization targets are modelled by "
                                 f"KubeOrch; dropped a {as_dict(metric).get('type')} metric")
        else:
            targets.append(target)
    if targets:
        data["targets"] = targets
    elif spec.get("metrics"):
        notes.add(obj.label, "no metric could be kept: the HPA targets 80% CPU")
    if spec.get("behavior"):
        notes.add(obj.label, "scaling behavior is not modelled by KubeOrch and was dropped")
    return data  # scaleTargetRef becomes an edge in links.py


def _utilization_target(metric: Mapping[str, Any]) -> dict[str, Any] | None:
    resource = as_dict(metric.get("resource"))
    target = as_dict(resource.get("target"))
    utilization = target.get("averageUtilization", resource.get("targetAverageUtilization"))
    if metric.get("type") != "Resource" or resource.get("name") not in ("cpu", "memory"):
        return None
    if not isinstance(utilization, int):
        return None
    return {"type": resource["name"], "averageUtilization": utilization}


_CONVERTERS: dict[str, Converter] = {
    "deployment": _deployment,
    "statefulset": _statefulset,
    "daemonset": _daemonset,
    "job": _job,
    "cronjob": _cronjob,
    "service": _service,
    "ingress": _ingress,
    "configmap": _configmap,
    "secret": _secret,
    "persistentvolumeclaim": _claim,
    "hpa": _hpa,
    "networkpolicy": _network_policy,
}
