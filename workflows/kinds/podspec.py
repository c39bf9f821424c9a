"""What the five workload kinds share: container fields, their checks and the pod template.

ConfigMap, Secret and PersistentVolumeClaim nodes connected to a workload become volumes,
mounts and ``envFrom`` entries here, so every workload kind wires them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, join_path
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.meta import bounded_name, check_reserved_labels, object_labels
from workflows.kinds.validators import parse_quantity

WORKLOAD_KINDS = ("deployment", "statefulset", "daemonset", "job", "cronjob")
VOLUME_SOURCE_KINDS = ("configmap", "secret", "persistentvolumeclaim")
_VOLUME_PREFIX = {"configmap": "cm", "secret": "secret", "persistentvolumeclaim": "pvc"}

# --- schema ---------------------------------------------------------------------------------

_KEY_REF = s.obj(
    {
        "name": s.formatted("dns1123-subdomain", "Name", "Name of the referenced object."),
        "key": s.formatted("config-key", "Key", "Key within the referenced object."),
        "optional": s.boolean("Optional", "Start the container even if the key is missing."),
    },
    required=["name", "key"],
)

ENV_ITEM = s.obj(
    {
        "name": s.formatted("env-var-name", "Name", "Environment variable name."),
        "value": s.string("Value", "Literal value."),
        "secretKeyRef": {**_KEY_REF, "title": "From Secret", "description": "Secret key."},
        "configMapKeyRef": {**_KEY_REF, "title": "From ConfigMap", "description": "Key."},
    },
    required=["name"],
    title="Environment variable",
)

PORT_ITEM = s.obj(
    {
        "name": s.formatted("port-name", "Name", "Port name, referable from Services."),
        "containerPort": s.port("Container port", "Port the container listens on."),
        "protocol": s.enum("Protocol", "Transport protocol.", ["TCP", "UDP", "SCTP"],
                           default="TCP"),
    },
    required=["containerPort"],
    title="Container port",
)

_AMOUNTS = s.obj(
    {
        "cpu": s.quantity("CPU", "CPU cores, e.g. '250m' or '0.5'."),
        "memory": s.quantity("Memory", "Memory, e.g. '128Mi' or '1G'."),
        "ephemeral-storage": s.quantity("Ephemeral storage", "Local scratch space, e.g. '1Gi'."),
    }
)

RESOURCES = s.obj(
    {
        "requests": {**_AMOUNTS, "title": "Requests", "description": "Guaranteed amounts."},
        "limits": {**_AMOUNTS, "title": "Limits", "description": "Maximum amounts."},
    },
    title="Resources",
    description="Compute resources of the container.",
)

_PROBE = s.obj(
    {
        "type": s.enum("Type", "How the probe checks the container.", ["http", "tcp", "exec"]),
        "path": s.formatted("http-path", "Path", "HTTP path (http probes).", default="/"),
        "port": s.port("Port", "Port to probe; defaults to the container port."),
        "scheme": s.enum("Scheme", "HTTP scheme (http probes).", ["HTTP", "HTTPS"]),
        "command": s.string_list("Command", "Command to run (exec probes).", minItems=1),
        "initialDelaySeconds": s.integer("Initial delay", "Seconds before the first probe.",
                                         minimum=0),
        "periodSeconds": s.integer("Period", "Seconds between probes.", minimum=1),
        "timeoutSeconds": s.integer("Timeout", "Seconds before a probe times out.", minimum=1),
        "failureThreshold": s.integer("Failure threshold", "Failures before acting.", minimum=1),
    },
    required=["type"],
)

PROBES = s.obj(
    {
        "liveness": {**_PROBE, "title": "Liveness", "description": "Restart when failing."},
        "readiness": {**_PROBE, "title": "Readiness", "description": "Receive traffic when ok."},
        "startup": {**_PROBE, "title": "Startup", "description": "Hold other probes until ok."},
    },
    title="Probes",
    description="Health checks of the container.",
)


def workload_properties(*, default_port: int | None, **kind_specific: s.Schema) -> s.Schema:
    """Schema properties shared by all workload kinds plus the kind's own fields."""
    port_schema = s.port("Container port", "Main port the container listens on.")
    if default_port is not None:
        port_schema["default"] = default_port
    return {
        **s.metadata_properties(),
        "image": s.formatted("image-reference", "Image", "Container image, e.g. 'nginx:1.27'."),
        "imagePullPolicy": s.enum(
            "Image pull policy", "When to pull the image.", ["Always", "IfNotPresent", "Never"]
        ),
        "imagePullSecrets": s.string_list(
            "Image pull secrets", "Secrets holding registry credentials.",
            {"type": "string", "format": "dns1123-subdomain"}, uniqueItems=True,
        ),
        "port": port_schema,
        "ports": s.array("Additional ports", "More container ports.", PORT_ITEM),
        "env": s.array("Environment", "Environment variables.", ENV_ITEM),
        "command": s.string_list("Command", "Overrides the image entrypoint."),
        "args": s.string_list("Arguments", "Arguments to the entrypoint."),
        "resources": RESOURCES,
        "probes": PROBES,
        "serviceAccountName": s.formatted(
            "dns1123-subdomain", "Service account", "Service account the pods run as."
        ),
        "nodeSelector": s.labels("Node selector", "Only schedule on nodes with these labels."),
        **kind_specific,
    }


# --- cross-field checks ---------------------------------------------------------------------


def check_workload(data: Mapping[str, Any]) -> list[FieldError]:
    return [
        *check_reserved_labels(data),
        *_check_env(data.get("env", [])),
        *_check_ports(data),
        *_check_resources(data.get("resources", {})),
        *_check_probes(data),
    ]


def _check_env(env: list[Mapping[str, Any]]) -> list[FieldError]:
    errors, seen = [], set()
    for i, item in enumerate(env):
        sources = [k for k in ("value", "secretKeyRef", "configMapKeyRef") if k in item]
        if len(sources) > 1:
            errors.append(FieldError(f"env[{i}]", "set only one of value, secretKeyRef, "
                                                  "configMapKeyRef"))
        if item["name"] in seen:
            errors.append(FieldError(f"env[{i}].name", f"duplicate variable {item['name']!r}"))
        seen.add(item["name"])
    return errors


def _check_ports(data: Mapping[str, Any]) -> list[FieldError]:
    # The main `port` may be repeated in `ports` (to name it), so only duplicates within
    # `ports` itself are errors.
    errors: list[FieldError] = []
    seen_ports: set[tuple[int, str]] = set()
    seen_names: set[str] = set()
    for i, item in enumerate(data.get("ports", [])):
        key = (item["containerPort"], item.get("protocol", "TCP"))
        if key in seen_ports:
            errors.append(FieldError(f"ports[{i}].containerPort", "duplicate port"))
        seen_ports.add(key)
        if item.get("name") in seen_names:
            errors.append(FieldError(f"ports[{i}].name", "duplicate port name"))
        if "name" in item:
            seen_names.add(item["name"])
    return errors


def _check_resources(resources: Mapping[str, Any]) -> list[FieldError]:
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    return [
        FieldError(join_path(["resources", "requests", name]),
                   f"must not exceed the limit ({limits[name]})")
        for name, amount in requests.items()
        if name in limits and parse_quantity(amount) > parse_quantity(limits[name])
    ]


def _check_probes(data: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    for which, probe in data.get("probes", {}).items():
        if probe["type"] == "exec" and not probe.get("command"):
            errors.append(FieldError(f"probes.{which}.command", "is required for exec probes"))
        if probe["type"] != "exec" and "port" not in probe and primary_port(data) is None:
            errors.append(FieldError(f"probes.{which}.port",
                                     "is required when the container has no port"))
    return errors


def check_mount_paths(node: ResolvedNode, topology: Topology) -> list[FieldError]:
    """Two linked volumes mounted at one path would be rejected by the API server."""
    errors: list[FieldError] = []
    first_at: dict[str, ResolvedNode] = {}
    for source in topology.sources(node.id, VOLUME_SOURCE_KINDS):
        if not source.data.get("mount", True):
            continue
        path = source.data["mountPath"]
        if path in first_at:
            other = first_at[path]
            errors.append(FieldError(
                "", f"{other.type_id} {other.name!r} and {source.type_id} {source.name!r} "
                    f"are both mounted at {path}; give them different mountPath values"))
        first_at.setdefault(path, source)
    return errors


# --- rendering ------------------------------------------------------------------------------


def primary_port(data: Mapping[str, Any]) -> int | None:
    """The port a Service forwards to by default: ``port``, else the first of ``ports``."""
    if "port" in data:
        return int(data["port"])
    ports = data.get("ports") or []
    return int(ports[0]["containerPort"]) if ports else None


def volume_name(source: ResolvedNode) -> str:
    """Deterministic, DNS-1123 and distinct per source kind (a ConfigMap and a Secret may
    share a name)."""
    return bounded_name(f"{_VOLUME_PREFIX[source.type_id]}-{source.name}")


@dataclass
class PodWiring:
    """Everything edges into a workload contribute to its pod."""

    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    env_from: list[dict[str, Any]] = field(default_factory=list)


def pod_wiring(node: ResolvedNode, topology: Topology) -> PodWiring:
    wiring = PodWiring()
    for source in topology.sources(node.id, VOLUME_SOURCE_KINDS):
        if source.type_id == "persistentvolumeclaim":
            _wire_claim(source, wiring)
        else:
            _wire_config(source, wiring)
    return wiring


def _wire_config(source: ResolvedNode, wiring: PodWiring) -> None:
    is_secret = source.type_id == "secret"
    if source.data.get("mount", True):
        volume_source = (
            {"secret": {"secretName": source.name}}
            if is_secret
            else {"configMap": {"name": source.name}}
        )
        wiring.volumes.append({"name": volume_name(source), **volume_source})
        wiring.mounts.append(
            {"name": volume_name(source), "mountPath": source.data["mountPath"], "readOnly": True}
        )
    if source.data.get("envFrom", False):
        ref = "secretRef" if is_secret else "configMapRef"
        wiring.env_from.append({ref: {"name": source.name}})


def _wire_claim(source: ResolvedNode, wiring: PodWiring) -> None:
    read_only = bool(source.data.get("readOnly", False))
    claim: dict[str, Any] = {"claimName": source.name}
    if read_only:
        claim["readOnly"] = True
    wiring.volumes.append({"name": volume_name(source), "persistentVolumeClaim": claim})
    if not source.data.get("mount", True):
        return
    if source.data.get("volumeMode") == "Block":
        # Raw block devices are exposed as device files, not mounted filesystems.
        wiring.devices.append({"name": volume_name(source), "devicePath": source.data["mountPath"]})
    else:
        mount = {"name": volume_name(source), "mountPath": source.data["mountPath"]}
        wiring.mounts.append({**mount, "readOnly": True} if read_only else mount)


def pod_template(
    node: ResolvedNode, ctx: RenderContext, *, restart_policy: str | None = None
) -> dict[str, Any]:
    data = node.data
    wiring = pod_wiring(node, ctx.topology)
    spec: dict[str, Any] = {"containers": [_container(data, wiring)]}
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    if "serviceAccountName" in data:
        spec["serviceAccountName"] = data["serviceAccountName"]
    if data.get("nodeSelector"):
        spec["nodeSelector"] = dict(data["nodeSelector"])
    if data.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": name} for name in data["imagePullSecrets"]]
    if wiring.volumes:
        spec["volumes"] = wiring.volumes
    return {"metadata": {"labels": object_labels(node, ctx)}, "spec": spec}


def _container(data: Mapping[str, Any], wiring: PodWiring) -> dict[str, Any]:
    container: dict[str, Any] = {"name": data["name"], "image": data["image"]}
    optional = {
        "imagePullPolicy": data.get("imagePullPolicy"),
        "command": list(data.get("command", [])),
        "args": list(data.get("args", [])),
        "ports": _container_ports(data),
        "env": [_env_var(item) for item in data.get("env", [])],
        "envFrom": wiring.env_from,
        "resources": _resources(data.get("resources", {})),
        "volumeMounts": wiring.mounts,
        "volumeDevices": wiring.devices,
        **_probes(data),
    }
    container.update({key: value for key, value in optional.items() if value})
    return container


def _container_ports(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    rendered: list[dict[str, Any]] = []
    if "port" in data:
        rendered.append({"containerPort": data["port"], "protocol": "TCP"})
    for item in data.get("ports", []):
        port = {"containerPort": item["containerPort"], "protocol": item.get("protocol", "TCP")}
        if "name" in item:
            port = {"name": item["name"], **port}
        # Naming the main port in `ports` replaces the unnamed entry instead of duplicating it.
        rendered = [p for p in rendered if (p["containerPort"], p["protocol"])
                    != (port["containerPort"], port["protocol"])]
        rendered.append(port)
    return rendered


def _env_var(item: Mapping[str, Any]) -> dict[str, Any]:
    if "secretKeyRef" in item:
        return {"name": item["name"], "valueFrom": {"secretKeyRef": dict(item["secretKeyRef"])}}
    if "configMapKeyRef" in item:
        ref = dict(item["configMapKeyRef"])
        return {"name": item["name"], "valueFrom": {"configMapKeyRef": ref}}
    return {"name": item["name"], "value": item.get("value", "")}


def _resources(resources: Mapping[str, Any]) -> dict[str, Any]:
    return {part: dict(resources[part]) for part in ("requests", "limits") if resources.get(part)}


def _probes(data: Mapping[str, Any]) -> dict[str, Any]:
    fields = {"liveness": "livenessProbe", "readiness": "readinessProbe", "startup": "startupProbe"}
    probes = data.get("probes", {})
    return {
        fields[which]: _probe(probes[which], primary_port(data))
        for which in ("liveness", "readiness", "startup")
        if which in probes
    }


def _probe(probe: Mapping[str, Any], default_port: int | None) -> dict[str, Any]:
    port = probe.get("port", default_port)
    rendered: dict[str, Any]
    if probe["type"] == "http":
        rendered = {"httpGet": {"path": probe.get("path", "/"), "port": port}}
        if "scheme" in probe:
            rendered["httpGet"]["scheme"] = probe["scheme"]
    elif probe["type"] == "tcp":
        rendered = {"tcpSocket": {"port": port}}
    else:
        rendered = {"exec": {"command": list(probe["command"])}}
    for timing in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"):
        if timing in probe:
            rendered[timing] = probe[timing]
    return rendered
