"""Ingress health: has the ingress controller published an address yet?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_list, as_map, dig, spec
from .model import Context, Health, degraded, healthy, progressing
from .registry import register
from .service import load_balancer_addresses


def _backend_text(backend: Mapping[str, Any]) -> str | None:
    service = as_map(backend.get("service"))
    if service:  # networking.k8s.io/v1
        port = as_map(service.get("port"))
        return f"{service.get('name')}:{port.get('number') or port.get('name')}"
    if backend.get("serviceName"):  # extensions/v1beta1
        return f"{backend['serviceName']}:{backend.get('servicePort')}"
    resource = as_map(backend.get("resource"))
    return f"{resource.get('kind')}/{resource.get('name')}" if resource else None


def _paths(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    paths = []
    for rule in map(as_map, as_list(spec(obj).get("rules"))):
        for path in map(as_map, as_list(dig(rule, "http", "paths"))):
            paths.append(
                {
                    "host": rule.get("host") or "*",
                    "path": path.get("path") or "/",
                    "path_type": path.get("pathType"),
                    "backend": _backend_text(as_map(path.get("backend"))),
                }
            )
    return paths


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    sp = spec(obj)
    rules = map(as_map, as_list(sp.get("rules")))
    tls = map(as_map, as_list(sp.get("tls")))
    default = as_map(sp.get("defaultBackend") or sp.get("backend"))
    return {
        "ingress_class": sp.get("ingressClassName")
        or dig(obj, "metadata", "annotations", "kubernetes.io/ingress.class"),
        "addresses": load_balancer_addresses(obj),
        "hosts": sorted({str(r.get("host") or "*") for r in rules}),
        "tls_hosts": sorted({str(h) for t in tls for h in as_list(t.get("hosts"))}),
        "paths": _paths(obj),
        "default_backend": _backend_text(default) if default else None,
    }


def _backend_services(obj: Mapping[str, Any]) -> list[str]:
    sp = spec(obj)
    backends = [as_map(sp.get("defaultBackend") or sp.get("backend"))]
    for rule in map(as_map, as_list(sp.get("rules"))):
        backends += [as_map(as_map(p).get("backend")) for p in as_list(dig(rule, "http", "paths"))]
    names = [as_map(b.get("service")).get("name") or b.get("serviceName") for b in backends]
    return sorted({str(n) for n in names if n})


def _missing_backends(obj: Mapping[str, Any], ctx: Context) -> list[str] | None:
    """Backends naming a Service that does not exist; None when the caller did not pass the
    namespace's ServiceList (then this was not checked)."""
    lists = ctx.related_of_kind("ServiceList")
    if not lists:
        return None
    existing = {
        dig(item, "metadata", "name") for lst in lists for item in as_list(lst.get("items"))
    }
    return [name for name in _backend_services(obj) if name not in existing]


@register("Ingress", "networking.k8s.io", "extensions")
def assess_ingress(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    missing = _missing_backends(obj, ctx)
    if missing:
        return degraded(
            f"backend service{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found",
            reason="BackendServiceMissing",
            missing_backends=missing,
            **d,
        )
    hosts = ", ".join(d["hosts"]) or "no hosts"
    if d["addresses"]:
        return healthy(f"{hosts} at {', '.join(d['addresses'])}", **d)
    if ctx.options.ingress_requires_address:
        return progressing("waiting for the ingress controller to publish an address", **d)
    return healthy(f"{hosts} (no address published)", **d)
