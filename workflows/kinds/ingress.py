"""Ingress: HTTP routing from outside the cluster to connected Services.

Each path names its backend by the Service *node name*; a path without a service uses the
connected Service when exactly one is connected. The backend port is the Service's port
unless the path sets one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.meta import check_reserved_labels, manifest
from workflows.kinds.service import service_port

_PATH_ITEM = s.obj(
    {
        "path": s.formatted("http-path", "Path", "URL path, e.g. '/api'.", default="/"),
        "pathType": s.enum(
            "Match", "Prefix matches sub-paths; Exact only this path.",
            ["Prefix", "Exact", "ImplementationSpecific"], default="Prefix",
        ),
        "service": s.formatted(
            "dns1035-label", "Service", "Name of a connected Service node; optional when only "
            "one Service is connected.",
        ),
        "port": s.port("Port", "Service port; defaults to the Service's port."),
    },
    title="Path",
)

_TLS = {
    "title": "TLS",
    "description": "true: terminate TLS with the secret '<name>-tls'; or give secretName.",
    "type": ["boolean", "object"],
    "properties": {
        "secretName": s.formatted("dns1123-subdomain", "Secret", "Secret holding the cert."),
    },
    "additionalProperties": False,
    "default": False,
}

SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "host": s.formatted("ingress-host", "Host", "Host name, e.g. 'app.example.com'; "
                                                    "empty matches any host."),
        "ingressClassName": s.formatted(
            "dns1123-subdomain", "Ingress class", "Controller to use, e.g. 'nginx'."
        ),
        "tls": _TLS,
        "paths": s.array(
            "Paths", "Routes to Services.", _PATH_ITEM, minItems=1,
            default=[{"path": "/", "pathType": "Prefix"}],
        ),
    },
    required=["name"],
    frontend_keys=True,
)


@dataclass(frozen=True)
class Backend:
    path: Mapping[str, Any]
    service: ResolvedNode | None
    error: str | None = None


def resolve_backends(node: ResolvedNode, topology: Topology) -> list[Backend]:
    """The Service behind each path, or why there is none. Shared by checks and rendering."""
    services = topology.targets(node.id)
    by_name = {svc.name: svc for svc in services}
    backends = []
    for path in node.data["paths"]:
        if "service" in path:
            found = by_name.get(path["service"])
            error = None if found else f"no connected Service is named {path['service']!r}"
            backends.append(Backend(path, found, error))
        elif len(services) == 1:
            backends.append(Backend(path, services[0]))
        else:
            error = ("connect a Service to this Ingress" if not services else
                     "name the Service: several are connected (" +
                     ", ".join(sorted(by_name)) + ")")
            backends.append(Backend(path, None, error))
    return backends


def check_links(node: ResolvedNode, topology: Topology) -> list[FieldError]:
    return [
        FieldError(f"data.paths[{i}].service", backend.error)
        for i, backend in enumerate(resolve_backends(node, topology))
        if backend.error
    ]


def _tls_secret(data: Mapping[str, Any]) -> str | None:
    tls = data["tls"]
    if isinstance(tls, dict):
        return str(tls.get("secretName", f"{data['name']}-tls"))
    return f"{data['name']}-tls" if tls else None


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    paths = []
    for backend in resolve_backends(node, ctx.topology):
        if backend.service is None:
            raise ValueError(f"ingress {node.name!r}: {backend.error}")
        port = backend.path.get("port", service_port(backend.service.data))
        paths.append({
            "path": backend.path["path"],
            "pathType": backend.path["pathType"],
            "backend": {"service": {"name": backend.service.name, "port": {"number": port}}},
        })
    rule: dict[str, Any] = {"host": data["host"]} if "host" in data else {}
    rule["http"] = {"paths": paths}
    spec: dict[str, Any] = {}
    if "ingressClassName" in data:
        spec["ingressClassName"] = data["ingressClassName"]
    secret = _tls_secret(data)
    if secret:
        tls: dict[str, Any] = {"secretName": secret}
        if "host" in data:
            tls = {"hosts": [data["host"]], **tls}
        spec["tls"] = [tls]
    spec["rules"] = [rule]
    return [manifest("networking.k8s.io/v1", "Ingress", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="ingress",
    label="Ingress",
    category="networking",
    icon="globe",
    description="Routes external HTTP(S) traffic by host and path to Services.",
    schema=SCHEMA,
    targets=frozenset({"service"}),
    renderer=render,
    data_checker=check_reserved_labels,
    link_checker=check_links,
)
