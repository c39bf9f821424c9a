"""PersistentVolumeClaim health: Bound / Pending (with WaitForFirstConsumer) / Lost.

The binding mode lives on the StorageClass, not the claim, so callers may pass the claim's
StorageClass (or its Events) in ``related``. Events also reveal ProvisioningFailed, the one
Pending case that will not resolve by waiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import as_list, as_map, condition_is, dig, name_of, spec, status
from .model import Context, Health, degraded, healthy, progressing
from .pods import shorten
from .registry import register

SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def _details(obj: Mapping[str, Any]) -> dict[str, Any]:
    sp, st = spec(obj), status(obj)
    return {
        "phase": st.get("phase"),
        "volume": sp.get("volumeName"),
        "capacity": dig(st, "capacity", "storage"),
        "requested": dig(sp, "resources", "requests", "storage"),
        "storage_class": sp.get("storageClassName"),
        "access_modes": as_list(st.get("accessModes") or sp.get("accessModes")),
        "selected_node": dig(obj, "metadata", "annotations", SELECTED_NODE_ANNOTATION),
    }


def _storage_class(obj: Mapping[str, Any], ctx: Context) -> Mapping[str, Any] | None:
    wanted = spec(obj).get("storageClassName")
    for storage_class in ctx.related_of_kind("StorageClass"):
        annotations = dig(storage_class, "metadata", "annotations") or {}
        is_default = annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"
        if name_of(storage_class) == wanted or (wanted is None and is_default):
            return storage_class
    return None


def _events(obj: Mapping[str, Any], ctx: Context, reason: str) -> list[dict[str, Any]]:
    return [
        event
        for event in ctx.related_of_kind("Event")
        if event.get("reason") == reason
        and dig(event, "involvedObject", "kind") == "PersistentVolumeClaim"
        and dig(event, "involvedObject", "name") == name_of(obj)
    ]


def _waits_for_first_consumer(obj: Mapping[str, Any], ctx: Context) -> bool:
    storage_class = _storage_class(obj, ctx)
    if storage_class is not None:
        return storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER
    return bool(_events(obj, ctx, WAIT_FOR_FIRST_CONSUMER))


def _pending(obj: Mapping[str, Any], ctx: Context, d: dict[str, Any]) -> Health:
    failures = _events(obj, ctx, "ProvisioningFailed")
    if failures:
        message = str(failures[-1].get("message") or "volume provisioning failed")
        return degraded(f"ProvisioningFailed: {shorten(message)}", **d)
    if d["selected_node"]:
        return progressing(f"provisioning a volume on node {d['selected_node']}", **d)
    if _waits_for_first_consumer(obj, ctx):
        # Expected, not an error: the volume is created once a pod using it is scheduled.
        d["waiting_for_first_consumer"] = True
        return progressing("waiting for a pod to use it (WaitForFirstConsumer)", **d)
    return progressing("waiting for a volume to be provisioned or bound", **d)


@register("PersistentVolumeClaim", "")
def assess_pvc(obj: Mapping[str, Any], ctx: Context) -> Health:
    d = _details(obj)
    phase = d["phase"]
    if phase == "Lost":
        return degraded(f"lost: its PersistentVolume {d['volume']} no longer exists", **d)
    if phase == "Bound":
        for resizing in ("Resizing", "FileSystemResizePending"):
            if condition_is(obj, resizing, "True") is not None:
                return progressing(f"bound, {resizing} to {d['requested']}", **d)
        return healthy(f"bound to {d['volume']} ({d['capacity']})", **d)
    return _pending(obj, ctx, d)


@register("PersistentVolume", "")
def assess_pv(obj: Mapping[str, Any], ctx: Context) -> Health:
    phase = status(obj).get("phase")
    claim = as_map(dig(obj, "spec", "claimRef"))
    d = {
        "phase": phase,
        "capacity": dig(obj, "spec", "capacity", "storage"),
        "claim": f"{claim.get('namespace')}/{claim.get('name')}" if claim else None,
        "reclaim_policy": spec(obj).get("persistentVolumeReclaimPolicy"),
    }
    if phase == "Failed":
        message = str(status(obj).get("message") or "reclamation failed")
        return degraded(f"Failed: {shorten(message)}", **d)
    if phase == "Pending":
        return progressing("pending", **d)
    # Released (claim deleted, Retain policy) is a normal resting state, not a fault.
    suffix = f" (claim {d['claim']})" if claim else ""
    return healthy(f"{phase or 'present'}{suffix}", **d)
