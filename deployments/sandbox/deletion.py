"""Deletion with finalizers and propagation policies, namespace teardown and the garbage
collector that removes dependents whose owners are gone."""

from __future__ import annotations

from . import resources as R
from .api import Api
from .errors import bad_request
from .resources import STORED_TYPES, ResourceType
from .util import Obj, now_iso

# batch/v1 Jobs keep the legacy default of orphaning their pods, like the real API server.
_ORPHAN_BY_DEFAULT = {R.JOBS.key}
_POLICIES = ("Foreground", "Background", "Orphan")


def _dependents(api: Api, owner: Obj) -> list[tuple[ResourceType, Obj]]:
    uid = owner["metadata"]["uid"]
    namespace = owner["metadata"].get("namespace")
    found = []
    for rt in STORED_TYPES:
        items, _ = api.store.list(rt, namespace if rt.namespaced else None)
        found += [(rt, o) for o in items
                  if any(ref.get("uid") == uid for ref in o["metadata"].get("ownerReferences", []))]
    return found


def _orphan_dependents(api: Api, owner: Obj) -> None:
    uid = owner["metadata"]["uid"]
    for rt, dependent in _dependents(api, owner):
        refs = dependent["metadata"].get("ownerReferences", [])
        dependent["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
        if not dependent["metadata"]["ownerReferences"]:
            del dependent["metadata"]["ownerReferences"]
        api.store.replace(rt, dependent)


def delete(api: Api, rt: ResourceType, namespace: str | None, name: str,
           propagation: str | None = None, dry_run: bool = False) -> Obj:
    if propagation is not None and propagation not in _POLICIES:
        raise bad_request(f'Unsupported value: "{propagation}": supported values: '
                          '"Foreground", "Background", "Orphan"')
    with api.store.lock:
        obj = api.get(rt, namespace, name)
        if dry_run:
            return obj
        if rt is R.NAMESPACES:
            return _delete_namespace(api, obj)
        policy = propagation or ("Orphan" if rt.key in _ORPHAN_BY_DEFAULT else "Background")
        if policy == "Orphan":
            _orphan_dependents(api, obj)
        elif policy == "Foreground":
            obj = _mark_deleting(api, rt, obj, ["foregroundDeletion"])
            for dep_rt, dependent in _dependents(api, obj):
                delete(api, dep_rt, dependent["metadata"].get("namespace"),
                       dependent["metadata"]["name"], "Foreground")
            obj["metadata"]["finalizers"] = [f for f in obj["metadata"]["finalizers"]
                                             if f != "foregroundDeletion"]
        if obj["metadata"].get("finalizers"):
            # Someone else's finalizer: the object stays, marked, until they remove it.
            return _mark_deleting(api, rt, obj, [])
        removed = api.store.remove(rt, namespace if rt.namespaced else None, name)
        return removed or obj


def _mark_deleting(api: Api, rt: ResourceType, obj: Obj, extra_finalizers: list[str]) -> Obj:
    meta = obj["metadata"]
    if meta.get("deletionTimestamp") and not extra_finalizers:
        return obj
    meta.setdefault("deletionTimestamp", now_iso())
    meta.setdefault("deletionGracePeriodSeconds", 0)
    meta["finalizers"] = [*meta.get("finalizers", []),
                          *[f for f in extra_finalizers if f not in meta.get("finalizers", [])]]
    return api.store.replace(rt, obj)


def _delete_namespace(api: Api, namespace_obj: Obj) -> Obj:
    name = namespace_obj["metadata"]["name"]
    namespace_obj["metadata"].setdefault("deletionTimestamp", now_iso())
    namespace_obj["status"] = {"phase": "Terminating"}
    terminating = api.store.replace(R.NAMESPACES, namespace_obj)
    for rt in STORED_TYPES:
        if rt.namespaced:
            for item in api.store.list(rt, name)[0]:
                api.store.remove(rt, name, item["metadata"]["name"])
    api.store.remove(R.NAMESPACES, None, name)
    return terminating


def delete_collection(api: Api, rt: ResourceType, namespace: str | None,
                      items: list[Obj], propagation: str | None) -> None:
    for item in items:
        delete(api, rt, item["metadata"].get("namespace") or namespace,
               item["metadata"]["name"], propagation)


def collect_garbage(api: Api) -> int:
    """Delete objects all of whose owners are gone (background propagation). Returns count."""
    removed = 0
    with api.store.lock:
        live_uids = set()
        candidates: list[tuple[ResourceType, str | None, str, list[str]]] = []
        for rt in STORED_TYPES:
            for obj in api.store.scan(rt):  # read only: names and uids are copied out
                meta = obj["metadata"]
                live_uids.add(meta["uid"])
                if meta.get("ownerReferences"):
                    owners = [str(ref.get("uid")) for ref in meta["ownerReferences"]]
                    candidates.append((rt, meta.get("namespace"), meta["name"], owners))
        for rt, namespace, name, owners in candidates:
            if all(uid not in live_uids for uid in owners):
                delete(api, rt, namespace, name, "Background")
                removed += 1
    return removed
