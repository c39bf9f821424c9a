"""Pod templates -> the workload fields KubeOrch models (one container per workload).

Volumes and ``envFrom`` are not turned into fields here: they become edges from ConfigMap,
Secret and PVC nodes (see links.py), which is how KubeOrch wires them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.importer.drafts import Notes, as_dict, as_list, quantity_text
from workflows.kinds import validators as v

_RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")
_PROBE_FIELDS = {"livenessProbe": "liveness", "readinessProbe": "readiness",
                 "startupProbe": "startup"}
_PROBE_TIMINGS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")

# Pod and container settings KubeOrch does not model: dropping them silently could change
# how the workload behaves, so each present one is named in a warning.
_UNMODELLED_POD_FIELDS = ("initContainers", "affinity", "tolerations", "securityContext",
                          "hostNetwork", "topologySpreadConstraints", "priorityClassName",
                          "hostAliases", "dnsConfig")
_UNMODELLED_CONTAINER_FIELDS = ("securityContext", "lifecycle", "workingDir", "stdin", "tty")


def template_of(type_id: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    if type_id == "cronjob":
        spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
    return as_dict(spec.get("template"))


def first_container(pod_spec: Mapping[str, Any], about: str, notes: Notes) -> dict[str, Any]:
    containers = [c for c in as_list(pod_spec.get("containers")) if isinstance(c, dict)]
    if len(containers) > 1:
        dropped = ", ".join(repr(c.get("name")) for c in containers[1:])
        notes.add(about, f"only the first container {containers[0].get('name')!r} is kept; "
                         f"dropped: {dropped}")
    for key in _UNMODELLED_POD_FIELDS:
        if pod_spec.get(key):
            notes.add(about, f"pod setting {key} is not modelled by KubeOrch and was dropped")
    return containers[0] if containers else {}


def container_data(
    container: Mapping[str, Any], pod_spec: Mapping[str, Any], about: str, notes: Notes
) -> dict[str, Any]:
    for key in _UNMODELLED_CONTAINER_FIELDS:
        if container.get(key):
            notes.add(about, f"container setting {key} is not modelled by KubeOrch and was "
                             "dropped")
    data: dict[str, Any] = {}
    for key in ("image", "imagePullPolicy"):
        if isinstance(container.get(key), str):
            data[key] = container[key]
    for key in ("command", "args"):
        if isinstance(container.get(key), list):
            data[key] = [str(item) for item in container[key]]
    data.update(_ports(container, about, notes))
    env = _env(as_list(container.get("env")), about, notes)
    if env:
        data["env"] = env
    resources = _resources(as_dict(container.get("resources")), about, notes)
    if resources:
        data["resources"] = resources
    probes = _probes(container, about, notes)
    if probes:
        data["probes"] = probes
    data.update(_pod_fields(pod_spec))
    return data


def _pod_fields(pod_spec: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    account = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount")
    if isinstance(account, str) and account and account != "default":
        data["serviceAccountName"] = account
    selector = {str(k): str(val) for k, val in as_dict(pod_spec.get("nodeSelector")).items()}
    if selector:
        data["nodeSelector"] = selector
    pull = [as_dict(item).get("name") for item in as_list(pod_spec.get("imagePullSecrets"))]
    names = list(dict.fromkeys(name for name in pull if isinstance(name, str) and name))
    if names:
        data["imagePullSecrets"] = names
    return data


# --- ports ----------------------------------------------------------------------------------


def _ports(container: Mapping[str, Any], about: str, notes: Notes) -> dict[str, Any]:
    """The first TCP port becomes ``port``; the others (and a named first) go to ``ports``.

    Rendering repeats a named main port only once, so this reproduces the container's list.
    """
    items = []
    for raw in as_list(container.get("ports")):
        item = as_dict(raw)
        if not v.is_port(item.get("containerPort")):
            continue
        port: dict[str, Any] = {"containerPort": item["containerPort"],
                                "protocol": item.get("protocol") or "TCP"}
        if isinstance(item.get("name"), str):
            port = {"name": item["name"], **port}
        if item.get("hostPort"):
            notes.add(about, f"hostPort {item['hostPort']} is not modelled by KubeOrch and "
                             "was dropped")
        items.append(port)
    if not items:
        return {}
    data: dict[str, Any] = {}
    first = items[0]
    if first["protocol"] == "TCP":
        data["port"] = first["containerPort"]
        if "name" not in first:
            items = items[1:]
    if items:
        data["ports"] = items
    return data


def port_number(value: Any, container: Mapping[str, Any]) -> int | None:
    """A port given by number or by the name of one of the container's ports."""
    if v.is_port(value):
        return int(value)
    for item in as_list(container.get("ports")):
        if isinstance(value, str) and as_dict(item).get("name") == value:
            number: Any = as_dict(item).get("containerPort")
            return int(number) if v.is_port(number) else None
    return None


# --- env ------------------------------------------------------------------------------------


def _env(items: list[Any], about: str, notes: Notes) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = []
    for raw in items:
        item = as_dict(raw)
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if "valueFrom" not in item:
            value = item.get("value")
            env.append({"name": name, "value": "" if value is None else str(value)})
            continue
        source = as_dict(item["valueFrom"])
        ref_kind = next((k for k in ("secretKeyRef", "configMapKeyRef") if k in source), None)
        if ref_kind is None:
            kinds = ", ".join(source) or "nothing"
            notes.add(about, f"env {name} comes from {kinds}, which KubeOrch does not model; "
                             "dropped")
            continue
        ref = as_dict(source[ref_kind])
        kept: dict[str, Any] = {key: ref[key] for key in ("name", "key", "optional") if key in ref}
        env.append({"name": name, str(ref_kind): kept})
    return env


def env_references(container: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret the container's env reads keys of."""
    found = []
    for item in as_list(container.get("env")):
        source = as_dict(as_dict(item).get("valueFrom"))
        for ref_kind, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
            name = as_dict(source.get(ref_kind)).get("name")
            if isinstance(name, str):
                found.append((kind, name))
    return found


# --- resources and probes -------------------------------------------------------------------


def _resources(resources: Mapping[str, Any], about: str, notes: Notes) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in ("requests", "limits"):
        amounts = {}
        for name, raw in as_dict(resources.get(part)).items():
            amount = quantity_text(raw)
            if name in _RESOURCE_NAMES and amount is not None:
                amounts[name] = amount
            else:
                notes.add(about, f"resource {part}.{name}={raw!r} is not modelled by KubeOrch "
                                 "and was dropped")
        if amounts:
            result[part] = amounts
    return result


def _probes(container: Mapping[str, Any], about: str, notes: Notes) -> dict[str, Any]:
    probes = {}
    for field_name, which in _PROBE_FIELDS.items():
        raw = container.get(field_name)
        if isinstance(raw, dict):
            probe = _probe(raw, container, f"{about}: {field_name}", notes)
            if probe:
                probes[which] = probe
    return probes


def _probe(
    raw: Mapping[str, Any], container: Mapping[str, Any], about: str, notes: Notes
) -> dict[str, Any] | None:
    probe: dict[str, Any]
    if "httpGet" in raw:
        http = as_dict(raw["httpGet"])
        probe = {"type": "http", "path": http.get("path") or "/"}
        if http.get("scheme"):
            probe["scheme"] = http["scheme"]
        if http.get("httpHeaders"):
            notes.add(about, "httpHeaders are not modelled by KubeOrch and were dropped")
        probe.update(_probe_port(http.get("port"), container, about, notes))
    elif "tcpSocket" in raw:
        probe = {"type": "tcp",
                 **_probe_port(as_dict(raw["tcpSocket"]).get("port"), container, about, notes)}
    elif "exec" in raw:
        command = as_list(as_dict(raw["exec"]).get("command"))
        probe = {"type": "exec", "command": [str(part) for part in command]}
    else:
        notes.add(about, "only http, tcp and exec probes are modelled by KubeOrch; dropped")
        return None
    probe.update({key: raw[key] for key in _PROBE_TIMINGS if isinstance(raw.get(key), int)})
    if raw.get("successThreshold") not in (None, 1):
        notes.add(about, "successThreshold is not modelled by KubeOrch and was dropped")
    return probe


def _probe_port(
    value: Any, container: Mapping[str, Any], about: str, notes: Notes
) -> dict[str, int]:
    number = port_number(value, container)
    if number is None and value is not None:
        notes.add(about, f"port {value!r} names no port of the container; the probe uses "
                         "the main port")
    return {} if number is None else {"port": number}
