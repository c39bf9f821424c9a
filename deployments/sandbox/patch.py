"""Merge patch (RFC 7386), JSON patch (RFC 6902) and the server-side-apply merge."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, bad_request
from .util import deep

# Lists Kubernetes merges by a key instead of replacing (x-kubernetes-list-map-keys).
_LIST_MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",), "initContainers": ("name",), "ephemeralContainers": ("name",),
    "env": ("name",), "volumes": ("name",), "volumeMounts": ("mountPath",),
    "imagePullSecrets": ("name",), "ownerReferences": ("uid",), "conditions": ("type",),
    "tolerations": ("key", "operator", "effect"), "hostAliases": ("ip",),
    "volumeClaimTemplates": ("metadata.name",),
}
# Ports are keyed by port number plus protocol (containerPort for pods, port for services).
_PORT_KEYS = ("containerPort", "port")


def merge_patch(target: Any, patch: Any, strategic: bool = False, field: str = "") -> Any:
    """RFC 7386; `strategic` additionally merges keyed lists (containers by name...) like SMP."""
    if strategic and isinstance(patch, list) and isinstance(target, list) \
            and is_associative(field, patch) and is_associative(field, target):
        return apply_merge(target, patch, field)
    if not isinstance(patch, dict):
        return deep(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif not key.startswith("$"):
            result[key] = merge_patch(result.get(key), value, strategic, key)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"the server rejected our request due to an error in our request: "
                          f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, tokens: list[str]) -> tuple[Any, str]:
    node = doc
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node, tokens[-1]


def _json_patch_op(doc: Any, op: dict[str, Any]) -> Any:
    kind, tokens = op.get("op"), _pointer(op.get("path", ""))
    if kind in ("move", "copy"):
        source_parent, source_key = _parent(doc, _pointer(op["from"]))
        value = deep(source_parent[int(source_key)] if isinstance(source_parent, list)
                     else source_parent[source_key])
        if kind == "move":
            doc = _json_patch_op(doc, {"op": "remove", "path": op["from"]})
        return _json_patch_op(doc, {"op": "add", "path": op["path"], "value": value})
    if not tokens:
        if kind in ("add", "replace"):
            return deep(op["value"])
        raise bad_request("cannot remove the document root")
    parent, key = _parent(doc, tokens)
    if kind == "test":
        current = parent[int(key)] if isinstance(parent, list) else parent.get(key)
        if current != op.get("value"):
            raise ApiError(422, "Invalid", f"testing value {op['path']} failed")
    elif isinstance(parent, list):
        index = len(parent) if key == "-" else int(key)
        if kind == "add":
            parent.insert(index, deep(op["value"]))
        elif kind == "replace":
            parent[index] = deep(op["value"])
        elif kind == "remove":
            parent.pop(index)
    elif kind in ("add", "replace"):
        if kind == "replace" and key not in parent:
            raise ApiError(422, "Invalid", f"replace operation does not apply: doc is missing "
                           f"key: {op['path']}: missing value")
        parent[key] = deep(op["value"])
    elif kind == "remove":
        if key not in parent:
            raise ApiError(422, "Invalid", f"remove operation does not apply: doc is missing "
                           f"path: {op['path']}: missing value")
        del parent[key]
    else:
        raise bad_request(f"Unexpected kind: {kind}")
    return doc


def json_patch(target: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise bad_request("json patch body must be a list of operations")
    doc = deep(target)
    try:
        for op in ops:
            doc = _json_patch_op(doc, op)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ApiError(422, "Invalid", f"the json patch could not be applied: {exc}") from exc
    return doc


def _item_key(field: str, item: Any) -> Any:
    if not isinstance(item, dict):
        return ("value", repr(item))
    if field in ("ports",):
        for name in _PORT_KEYS:
            if name in item:
                return (item[name], item.get("protocol", "TCP"))
        return ("", repr(sorted(item.items())))
    keys = _LIST_MERGE_KEYS.get(field)
    if keys is None:
        return None
    values = []
    for key in keys:
        node: Any = item
        for step in key.split("."):
            node = node.get(step) if isinstance(node, dict) else None
        values.append(node)
    return tuple(values)


def is_associative(field: str, items: list[Any]) -> bool:
    return (field in _LIST_MERGE_KEYS or field == "ports") and all(
        isinstance(i, dict) for i in items)


def prune(live: Any, old_applied: Any, new_applied: Any, field: str = "") -> Any:
    """Remove from `live` what the manager applied before but no longer applies."""
    if isinstance(live, dict) and isinstance(old_applied, dict):
        new_map = new_applied if isinstance(new_applied, dict) else {}
        result = {}
        for key, value in live.items():
            if key in old_applied and key not in new_map:
                continue
            if key in old_applied:
                value = prune(value, old_applied[key], new_map.get(key), key)
            result[key] = value
        return result
    if isinstance(live, list) and isinstance(old_applied, list) and is_associative(field, live):
        new_items = new_applied if isinstance(new_applied, list) else []
        new_keys = {_item_key(field, i) for i in new_items}
        old_by_key = {_item_key(field, i): i for i in old_applied}
        new_by_key = {_item_key(field, i): i for i in new_items}
        kept = []
        for item in live:
            key = _item_key(field, item)
            if key in old_by_key and key not in new_keys:
                continue
            if key in old_by_key:
                item = prune(item, old_by_key[key], new_by_key.get(key), field)
            kept.append(item)
        return kept
    return live


def apply_merge(live: Any, applied: Any, field: str = "") -> Any:
    """Overlay an applied configuration on a live value, merging maps and keyed lists."""
    if isinstance(applied, dict) and isinstance(live, dict):
        result = dict(live)
        for key, value in applied.items():
            result[key] = apply_merge(live.get(key), value, key) if key in live else deep(value)
        return result
    if isinstance(applied, list) and isinstance(live, list) and is_associative(field, applied) \
            and is_associative(field, live):
        live_by_key = {_item_key(field, i): i for i in live}
        merged = []
        for item in applied:
            key = _item_key(field, item)
            merged.append(apply_merge(live_by_key[key], item, field) if key in live_by_key
                          else deep(item))
        applied_keys = {_item_key(field, i) for i in applied}
        # Items other managers own keep their place after the applied ones.
        merged.extend(deep(i) for i in live if _item_key(field, i) not in applied_keys)
        return merged
    return deep(applied)


def server_side_apply(live: dict[str, Any], old_applied: dict[str, Any] | None,
                      applied: dict[str, Any]) -> dict[str, Any]:
    base = prune(live, old_applied, applied) if old_applied else live
    result: dict[str, Any] = apply_merge(base, applied)
    return result


def fields_v1(applied: Any, field: str = "") -> dict[str, Any]:
    """A FieldsV1 set describing an applied configuration (for managedFields)."""
    if isinstance(applied, dict):
        out: dict[str, Any] = {}
        for key, value in applied.items():
            if key in ("apiVersion", "kind") and field == "":
                continue
            out[f"f:{key}"] = fields_v1(value, key)
        if field and out:
            out["."] = {}
        return out
    if isinstance(applied, list) and is_associative(field, applied):
        out = {}
        for item in applied:
            port_key = tuple(k for k in _PORT_KEYS if k in item)[:1]
            key_fields = _LIST_MERGE_KEYS.get(field) or (*port_key, "protocol")
            key_obj = {k: item.get(k, "TCP" if k == "protocol" else None) for k in key_fields
                       if "." not in k}
            out["k:" + json.dumps(key_obj, separators=(",", ":"), sort_keys=True)] = \
                {".": {}, **fields_v1(item, field)}
        return out
    return {}
