"""API semantics shared by the HTTP layer and the controllers: create/update/patch/apply/delete
with defaulting, admission, validation, generation and managedFields bookkeeping."""

from __future__ import annotations

import json
import uuid
from typing import Any

import yaml

from . import resources as R
from .admission import Allocators, admit
from .defaults import apply_defaults
from .errors import (
    already_exists,
    bad_request,
    conflict,
    forbidden_namespace_terminating,
    namespace_not_found,
    not_found,
    unsupported_media_type,
)
from .patch import fields_v1, json_patch, merge_patch, server_side_apply
from .resources import ResourceType
from .store import Store
from .util import Obj, deep, load_yaml, now_iso, suffix_from
from .validation import validate, validate_update

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class Api:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.allocators = Allocators()
        self._name_counter = 0

    # -- reads -----------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        found = self.store.get(rt, namespace if rt.namespaced else None, name)
        if found is None:
            raise not_found(rt, name)
        return found

    def find(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        return self.store.get(rt, namespace if rt.namespaced else None, name)

    # -- create ----------------------------------------------------------------------------
    def _check_identity(self, rt: ResourceType, namespace: str | None, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        obj = deep(body)
        if obj.get("kind") not in (None, rt.kind):
            raise bad_request(f"the API version in the data ({obj.get('apiVersion')}) does not "
                              f"match the expected API version ({rt.api_version})"
                              if obj.get("apiVersion") != rt.api_version else
                              f"kind {obj.get('kind')} does not match resource {rt.plural}")
        obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        return obj

    def _check_namespace(self, rt: ResourceType, obj: Obj) -> None:
        if not rt.namespaced:
            return
        namespace = obj["metadata"]["namespace"]
        found = self.store.get(R.NAMESPACES, None, namespace)
        if found is None:
            raise namespace_not_found(namespace)
        if found.get("status", {}).get("phase") == "Terminating":
            raise forbidden_namespace_terminating(rt, obj["metadata"].get("name", ""), namespace)

    def _generate_name(self, obj: Obj) -> None:
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            self._name_counter += 1
            meta["name"] = meta["generateName"] + suffix_from(
                f"{meta['generateName']}{self._name_counter}{uuid.uuid4()}")

    def create(self, rt: ResourceType, namespace: str | None, body: Any, manager: str = "",
               dry_run: bool = False, operation: str = "Update") -> Obj:
        obj = self._check_identity(rt, namespace, body)
        self._generate_name(obj)
        meta = obj["metadata"]
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                             "managedFields", "generation"):
            meta.pop(server_field, None)
        with self.store.lock:
            self._check_namespace(rt, obj)
            if meta.get("name") and self.find(rt, meta.get("namespace"), meta["name"]):
                raise already_exists(rt, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_iso()
            if rt.has_status and rt.kind != "Pod":  # pods have no generation before 1.33
                meta["generation"] = 1
                obj.pop("status", None)
            if rt in R.RESOURCE_TYPES:  # optional types have no built-in defaults/admission
                apply_defaults(obj)
                admit(obj, None, self.allocators)
            validate(rt, obj)
            self._record_manager(obj, manager, operation, body)
            if dry_run:
                meta["resourceVersion"] = ""
                return obj
            return self.store.insert(rt, obj)

    # -- update ----------------------------------------------------------------------------
    def update(self, rt: ResourceType, namespace: str | None, name: str, body: Any,
               manager: str = "", dry_run: bool = False, subresource: str | None = None,
               operation: str = "Update", applied: Any = None) -> Obj:
        with self.store.lock:
            old = self.get(rt, namespace, name)
            new = self._check_identity(rt, namespace, body)
            if new["metadata"].get("name", name) != name:
                raise bad_request(f'the name of the object ({new["metadata"]["name"]}) does not '
                                  f"match the name on the URL ({name})")
            wanted_rv = new["metadata"].get("resourceVersion")
            if wanted_rv and wanted_rv != old["metadata"]["resourceVersion"]:
                raise conflict(rt, name, "the object has been modified; please apply your "
                               "changes to the latest version and try again")
            new = self._merge_subresource(rt, old, new, subresource)
            if rt in R.RESOURCE_TYPES:
                apply_defaults(new)
                admit(new, old, self.allocators)
            validate_update(rt, old, new)
            self._bump_generation(rt, old, new)
            if _same(old, new):
                return old
            self._record_manager(new, manager, operation, applied if applied is not None
                                 else body, subresource)
            if dry_run:
                return new
            return self._store_or_finish_deletion(rt, new)

    def _merge_subresource(self, rt: ResourceType, old: Obj, new: Obj,
                           subresource: str | None) -> Obj:
        meta = new["metadata"]
        for kept in ("uid", "creationTimestamp", "generation", "deletionTimestamp"):
            if kept in old["metadata"]:
                meta[kept] = old["metadata"][kept]
            else:
                meta.pop(kept, None)
        meta["managedFields"] = old["metadata"].get("managedFields", [])
        meta["name"] = old["metadata"]["name"]
        if subresource == "status":
            result = deep(old)
            result["status"] = new.get("status", {})
            return result
        if rt.has_status and rt.kind != "Namespace":
            new["status"] = deep(old.get("status", {}))
        elif rt.kind == "Namespace":
            new["status"] = deep(old.get("status", {}))
            new["spec"] = deep(old.get("spec", {}))
        return new

    def _bump_generation(self, rt: ResourceType, old: Obj, new: Obj) -> None:
        if not rt.has_status or "generation" not in old["metadata"]:
            return
        if _desired_state(old) != _desired_state(new):
            new["metadata"]["generation"] = old["metadata"]["generation"] + 1

    def _record_manager(self, obj: Obj, manager: str, operation: str, body: Any,
                        subresource: str | None = None) -> None:
        if not manager:
            return
        entries = [e for e in obj["metadata"].get("managedFields", [])
                   if not (e["manager"] == manager and e["operation"] == operation
                           and e.get("subresource") == subresource)]
        source = body if isinstance(body, dict) else {}
        if operation == "Update":
            source = {k: v for k, v in source.items() if k not in ("apiVersion", "kind")}
            if isinstance(source.get("metadata"), dict):
                source["metadata"] = {k: v for k, v in source["metadata"].items()
                                      if k in ("labels", "annotations", "finalizers",
                                               "ownerReferences")}
        entry: Obj = {"manager": manager, "operation": operation, "apiVersion": obj["apiVersion"],
                      "time": now_iso(), "fieldsType": "FieldsV1", "fieldsV1": fields_v1(source)}
        if subresource:
            entry["subresource"] = subresource
        obj["metadata"]["managedFields"] = [*entries, entry]

    def _store_or_finish_deletion(self, rt: ResourceType, obj: Obj) -> Obj:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            removed = self.store.remove(rt, meta.get("namespace"), meta["name"])
            return removed or obj
        return self.store.replace(rt, obj)

    # -- patch and apply -------------------------------------------------------------------
    def patch(self, rt: ResourceType, namespace: str | None, name: str, raw: bytes,
              content_type: str, manager: str = "", dry_run: bool = False,
              subresource: str | None = None) -> tuple[Obj, bool]:
        """Returns (object, created)."""
        media = content_type.split(";")[0].strip()
        if media == APPLY:
            return self.apply(rt, namespace, name, raw, manager, dry_run, subresource)
        try:
            body = json.loads(raw or b"null")
        except json.JSONDecodeError as exc:
            raise bad_request(f"error decoding patch: {exc}") from exc
        with self.store.lock:
            live = self.get(rt, namespace, name)
            if media == JSON_PATCH:
                patched = json_patch(live, body)
            elif media in (MERGE, STRATEGIC):
                if not isinstance(body, dict):
                    raise bad_request("merge patch body must be a JSON object")
                patched = merge_patch(live, body, strategic=media == STRATEGIC)
            else:
                raise unsupported_media_type(content_type)
            if "resourceVersion" not in _meta_of(body):
                patched.setdefault("metadata", {})["resourceVersion"] = \
                    live["metadata"]["resourceVersion"]
            return self.update(rt, namespace, name, patched, manager or "unknown", dry_run,
                               subresource, applied=body if isinstance(body, dict) else {}), False

    def apply(self, rt: ResourceType, namespace: str | None, name: str, raw: bytes,
              manager: str, dry_run: bool, subresource: str | None = None) -> tuple[Obj, bool]:
        if not manager:
            raise bad_request("PATCH, application/apply-patch+yaml requests must supply a "
                              "fieldManager")
        try:
            applied = load_yaml(raw.decode() if raw else "")
        except yaml.YAMLError as exc:
            raise bad_request(f"error decoding YAML: {exc}") from exc
        if not isinstance(applied, dict) or not applied.get("apiVersion") or \
                not applied.get("kind"):
            raise bad_request("invalid object type: apply patches must set apiVersion and kind")
        applied_name = _meta_of(applied).get("name")
        if applied_name and applied_name != name:
            raise bad_request(f"the name of the object ({applied_name}) does not match the "
                              f"name on the URL ({name})")
        with self.store.lock:
            live = self.find(rt, namespace, name)
            if live is None:
                body = deep(applied)
                body.setdefault("metadata", {})["name"] = name
                created = self.create(rt, namespace, body, manager, dry_run, "Apply")
                if not dry_run:
                    self.store.remember_applied(created["metadata"]["uid"], manager, applied)
                return created, True
            uid = live["metadata"]["uid"]
            previous = self.store.applied_config(uid, manager)
            merged = server_side_apply(live, previous, applied)
            merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
            result = self.update(rt, namespace, name, merged, manager, dry_run, subresource,
                                 "Apply", applied)
            if not dry_run:
                self.store.remember_applied(uid, manager, applied)
            return result, False


def _meta_of(body: Any) -> dict[str, Any]:
    meta = body.get("metadata") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


def _desired_state(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _comparable(obj: Obj) -> Obj:
    clone = dict(obj)
    clone["metadata"] = {k: v for k, v in obj["metadata"].items()
                         if k not in ("resourceVersion", "managedFields")}
    return clone


def _same(old: Obj, new: Obj) -> bool:
    """No-op writes are dropped (no new resourceVersion), as the API server does."""
    return _comparable(old) == _comparable(new)

