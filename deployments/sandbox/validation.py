"""Write-time validation with the API server's field paths and messages."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from .errors import FieldError, invalid
from .resources import RESOURCE_TYPES, ResourceType
from .selectors import selector_matches
from .util import Obj, dig

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_DATA_BYTES = 1024 * 1024  # corev1.MaxSecretSize, for ConfigMaps too

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"

_LABEL_NAMED = {"Namespace"}
_DNS1035_NAMED = {"Service"}
_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}


def _name_errors(kind: str, name: str) -> list[FieldError]:
    if not name:
        return [FieldError("metadata.name", "Required", "name or generateName is required")]
    if kind in _LABEL_NAMED:
        ok, msg, limit = bool(_LABEL.match(name)), LABEL_MSG, 63
    elif kind in _DNS1035_NAMED:
        ok, msg, limit = bool(_DNS1035.match(name)), DNS1035_MSG, 63
    else:
        ok, msg, limit = bool(_SUBDOMAIN.match(name)), SUBDOMAIN_MSG, 253
    errors = [] if ok else [FieldError("metadata.name", "Invalid", msg, name)]
    if len(name) > limit:
        errors.append(FieldError("metadata.name", "Invalid",
                                 f"must be no more than {limit} characters", name))
    return errors


def _port_errors(path: str, value: Any, required: bool = True) -> list[FieldError]:
    if value is None:
        return [FieldError(path, "Required", "")] if required else []
    if isinstance(value, str):
        return [] if _LABEL.match(value) and len(value) <= 15 else [
            FieldError(path, "Invalid", "must contain at least one letter (a-z)", value)]
    if not isinstance(value, int) or not 1 <= value <= 65535:
        return [FieldError(path, "Invalid", PORT_RANGE_MSG, value)]
    return []


def _container_errors(path: str, container: Obj, seen: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    name = container.get("name")
    if not name:
        errors.append(FieldError(f"{path}.name", "Required", ""))
    elif not _LABEL.match(name):
        errors.append(FieldError(f"{path}.name", "Invalid", LABEL_MSG, name))
    elif name in seen:
        errors.append(FieldError(f"{path}.name", "Duplicate", "", name))
    seen.add(name or "")
    if not container.get("image"):
        errors.append(FieldError(f"{path}.image", "Required", ""))
    for index, port in enumerate(container.get("ports") or []):
        errors += _port_errors(f"{path}.ports[{index}].containerPort", port.get("containerPort"))
    return errors


def pod_spec_errors(path: str, spec: Any) -> list[FieldError]:
    if not isinstance(spec, dict):
        return [FieldError(path, "Required", "")]
    containers = spec.get("containers")
    if not containers:
        return [FieldError(f"{path}.containers", "Required", "")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for field in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(field) or []):
            errors += _container_errors(f"{path}.{field}[{index}]", container, seen)
    return errors


def _workload_errors(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    selector = spec.get("selector")
    labels = dig(spec, "template", "metadata", "labels", default={})
    if not selector:
        errors.append(FieldError("spec.selector", "Required", ""))
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        errors.append(FieldError("spec.selector", "Invalid",
                                 "empty selector is invalid for deployment", selector))
    if selector and not selector_matches(selector, labels):
        errors.append(FieldError("spec.template.metadata.labels", "Invalid",
                                 "`selector` does not match template `labels`", labels))
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(FieldError("spec.replicas", "Invalid",
                                 "must be greater than or equal to 0", replicas))
    return errors + pod_spec_errors("spec.template.spec", dig(spec, "template", "spec"))


def _job_template_errors(path: str, job_spec: Any) -> list[FieldError]:
    pod_spec = dig(job_spec, "template", "spec")
    errors = pod_spec_errors(f"{path}.template.spec", pod_spec)
    policy = dig(pod_spec, "restartPolicy")
    if isinstance(pod_spec, dict) and policy not in ("Never", "OnFailure"):
        if policy is None:
            errors.append(FieldError(f"{path}.template.spec.restartPolicy", "Required",
                                     'valid values: "OnFailure", "Never"'))
        else:
            errors.append(FieldError(f"{path}.template.spec.restartPolicy", "Unsupported",
                                     'supported values: "OnFailure", "Never"', policy))
    return errors


def _service_errors(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    errors: list[FieldError] = []
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        errors.append(FieldError("spec.type", "Unsupported", '"ClusterIP", "ExternalName", '
                                 '"LoadBalancer", "NodePort"', kind))
    ports = spec.get("ports") or []
    if not ports and kind != "ExternalName" and spec.get("clusterIP") != "None":
        errors.append(FieldError("spec.ports", "Required", ""))
    for index, port in enumerate(ports):
        errors += _port_errors(f"spec.ports[{index}].port", port.get("port"))
        errors += _port_errors(f"spec.ports[{index}].targetPort", port.get("targetPort"), False)
        if len(ports) > 1 and not port.get("name"):
            errors.append(FieldError(f"spec.ports[{index}].name", "Required", ""))
        node_port = port.get("nodePort")
        if node_port is not None and not 30000 <= int(node_port) <= 32767:
            errors.append(FieldError(f"spec.ports[{index}].nodePort", "Invalid",
                                     "provided port is not in the valid range. The range of "
                                     "valid ports is 30000-32767", node_port))
    return errors


def _data_errors(obj: Obj, is_secret: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    size = 0
    for field in ("data", "binaryData", "stringData"):
        for key, value in (obj.get(field) or {}).items():
            text = str(value)
            size += len(text) * 3 // 4 - text[-2:].count("=") if field == "binaryData" or (
                is_secret and field == "data") else len(text.encode())
            if not _CONFIG_KEY.match(key):
                errors.append(FieldError(f"{field}[{key}]", "Invalid", "a valid config key must "
                                         "consist of alphanumeric characters, '-', '_' or '.' "
                                         "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
                                         "regex used for validation is '[-._a-zA-Z0-9]+')", key))
            if is_secret and field == "data":
                try:
                    base64.b64decode(str(value), validate=True)
                except (binascii.Error, ValueError):
                    errors.append(FieldError(f"data[{key}]", "Invalid",
                                             "illegal base64 data", "<secret contents redacted>"))
    if size > MAX_DATA_BYTES:
        errors.append(FieldError("data" if is_secret else "[]", "Too long",
                                 f"must have at most {MAX_DATA_BYTES} bytes"))
    return errors


def _kind_errors(obj: Obj) -> list[FieldError]:
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind in _WORKLOADS:
        return _workload_errors(obj)
    if kind == "Pod":
        return pod_spec_errors("spec", obj.get("spec"))
    if kind == "Job":
        return _job_template_errors("spec", spec)
    if kind == "CronJob":
        errors = [] if spec.get("schedule") else [FieldError("spec.schedule", "Required", "")]
        return errors + _job_template_errors("spec.jobTemplate.spec",
                                             dig(spec, "jobTemplate", "spec", default={}))
    if kind == "Service":
        return _service_errors(obj)
    if kind in ("ConfigMap", "Secret"):
        return _data_errors(obj, kind == "Secret")
    if kind == "PersistentVolumeClaim":
        errors = [] if spec.get("accessModes") else [
            FieldError("spec.accessModes", "Required", "at least 1 access mode is required")]
        if not dig(spec, "resources", "requests", "storage"):
            errors.append(FieldError("spec.resources[storage]", "Required", ""))
        return errors
    if kind == "HorizontalPodAutoscaler":
        return _hpa_errors(spec)
    return []


def _hpa_errors(spec: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    ref = spec.get("scaleTargetRef") or {}
    for field in ("kind", "name"):
        if not ref.get(field):
            errors.append(FieldError(f"spec.scaleTargetRef.{field}", "Required", ""))
    max_replicas, min_replicas = spec.get("maxReplicas"), spec.get("minReplicas", 1)
    if not max_replicas:
        errors.append(FieldError("spec.maxReplicas", "Invalid", "must be greater than 0",
                                 max_replicas or 0))
    elif min_replicas > max_replicas:
        errors.append(FieldError("spec.maxReplicas", "Invalid",
                                 "must be greater than or equal to `minReplicas`", max_replicas))
    return errors


# Validators of optional resource types (resources.OPTIONAL_TYPES), by (group, plural);
# filled by the modules that simulate them.
EXTRA_VALIDATORS: dict[tuple[str, str], Callable[[Obj], list[FieldError]]] = {}


def validate(rt: ResourceType, obj: Obj) -> None:
    name = dig(obj, "metadata", "name", default="")
    kind_errors = _kind_errors(obj) if rt in RESOURCE_TYPES else \
        EXTRA_VALIDATORS.get(rt.key, lambda _: [])(obj)
    errors = _name_errors(rt.kind, name) + kind_errors
    if errors:
        raise invalid(rt, name, errors)


def validate_update(rt: ResourceType, old: Obj, new: Obj) -> None:
    validate(rt, new)
    if rt.kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        old_sel, new_sel = dig(old, "spec", "selector"), dig(new, "spec", "selector")
        if old_sel != new_sel and rt.kind != "ReplicaSet":
            raise invalid(rt, new["metadata"]["name"], [
                FieldError("spec.selector", "Invalid", "field is immutable", new_sel)])
