"""Discovery documents: /version, /api, /api/v1, /apis, /apis/<group>/<version>."""

from __future__ import annotations

from typing import Any

from .resources import ALL_VERBS, RESOURCE_TYPES, ResourceType, groups, in_group_version
from .util import stable_hash

VERSION_INFO = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.0-kubeorch-sandbox",
    "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
    "platform": "linux/amd64",
}

# name -> (kind, verbs, group, version) for subresources whose kind differs from the parent.
_SUBRESOURCES: dict[str, tuple[str | None, tuple[str, ...], str | None, str | None]] = {
    "status": (None, ("get", "patch", "update"), None, None),
    "scale": ("Scale", ("get", "patch", "update"), "autoscaling", "v1"),
    "log": (None, ("get",), None, None),
    "exec": ("PodExecOptions", ("create", "get"), None, None),
    "attach": ("PodAttachOptions", ("create", "get"), None, None),
    "portforward": ("PodPortForwardOptions", ("create", "get"), None, None),
    "binding": ("Binding", ("create",), None, None),
    "eviction": ("Eviction", ("create",), "policy", "v1"),
    "ephemeralcontainers": (None, ("get", "patch", "update"), None, None),
    "finalize": (None, ("update",), None, None),
    "token": ("TokenRequest", ("create",), "authentication.k8s.io", "v1"),
    "proxy": ("ServiceProxyOptions", ("create", "delete", "get", "patch", "update"), None, None),
}


def _resource_entry(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
        "kind": rt.kind, "verbs": list(ALL_VERBS),
        "storageVersionHash": stable_hash(rt.api_version + rt.kind, 11),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    return entry


def _subresource_entry(rt: ResourceType, sub: str) -> dict[str, Any]:
    kind, verbs, group, version = _SUBRESOURCES[sub]
    if rt.kind == "Node" and sub == "proxy":
        kind = "NodeProxyOptions"
    entry: dict[str, Any] = {"name": f"{rt.plural}/{sub}", "singularName": "",
                             "namespaced": rt.namespaced, "kind": kind or rt.kind,
                             "verbs": list(verbs)}
    if group:
        entry["group"], entry["version"] = group, version
    return entry


def resource_list(group: str, version: str,
                  extra: tuple[ResourceType, ...] = ()) -> dict[str, Any] | None:
    types = in_group_version(group, version, extra)
    if not types:
        return None
    entries: list[dict[str, Any]] = []
    for rt in types:
        entries.append(_resource_entry(rt))
        entries += [_subresource_entry(rt, sub) for sub in rt.subresources]
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": entries}


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group(name: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": listed,
            "preferredVersion": listed[0]}


def api_group_list(extra: tuple[ResourceType, ...] = ()) -> dict[str, Any]:
    found = [api_group(name, versions) for name, versions in groups(extra).items()]
    for group in found:
        del group["kind"], group["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": found}


def all_kinds() -> list[str]:
    return [rt.kind for rt in RESOURCE_TYPES]


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_v3_root(extra: tuple[ResourceType, ...] = ()) -> dict[str, Any]:
    """The OpenAPI v3 index. kubectl reads it to learn that the server supports
    `fieldValidation` (server-side validation), so it needs no client-side schemas."""
    versions = {(rt.group, rt.version) for rt in RESOURCE_TYPES + extra}
    return {"paths": {
        _gv_path(g, v): {"serverRelativeURL": f"/openapi/v3/{_gv_path(g, v)}?hash="
                                              f"{stable_hash([g, v, VERSION_INFO], 16)}"}
        for g, v in sorted(versions)}}


def _operation(rt: ResourceType, action: str) -> dict[str, Any]:
    params = [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for name in ("dryRun", "fieldManager", "fieldValidation")]
    if action == "patch":
        params.append({"name": "force", "in": "query", "schema": {"type": "boolean"}})
    return {"operationId": f"{action}{rt.kind}", "parameters": params,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version,
                                                "kind": rt.kind},
            "responses": {"200": {"description": "OK"}}}


def openapi_v3_group_version(gv_path: str,
                             extra: tuple[ResourceType, ...] = ()) -> dict[str, Any] | None:
    parts = gv_path.strip("/").split("/")
    group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
    types = in_group_version(group, version, extra)
    if not types or _gv_path(group, version) != "/".join(parts):
        return None
    paths: dict[str, Any] = {}
    for rt in types:
        item_path = rt.base_path("{namespace}" if rt.namespaced else None) + "/{name}"
        paths[item_path] = {"get": _operation(rt, "get"), "put": _operation(rt, "put"),
                            "patch": _operation(rt, "patch"),
                            "delete": _operation(rt, "delete")}
        paths[rt.base_path("{namespace}" if rt.namespaced else None)] = {
            "get": _operation(rt, "list"), "post": _operation(rt, "post")}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "paths": paths, "components": {"schemas": {}}}
