"""Helpers for controllers that own pods: listing, readiness, creating from templates."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

from .. import deletion
from .. import resources as R
from ..util import Obj, deep, dig, owner_ref, suffix_from
from .base import Context

_COUNTER = itertools.count(1)


def controlled_by(owner: Obj) -> Callable[[Obj], bool]:
    """Is an object controlled by `owner` (its controller ownerReference)?"""
    uid = owner["metadata"]["uid"]

    def controlled(obj: Obj) -> bool:
        return any(ref.get("uid") == uid and ref.get("controller")
                   for ref in obj["metadata"].get("ownerReferences", []))

    return controlled


def owned(ctx: Context, rt: R.ResourceType, owner: Obj) -> list[Obj]:
    # Filter before the store copies: copying every pod of the namespace per owner made each
    # controller tick quadratic in the number of pods.
    items, _ = ctx.store.list(rt, owner["metadata"].get("namespace"), controlled_by(owner))
    return items


def is_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in dig(pod, "status", "conditions", default=[]))


def is_active(pod: Obj) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and \
        dig(pod, "status", "phase") not in ("Succeeded", "Failed")


def random_suffix(owner_uid: str) -> str:
    return suffix_from(f"{owner_uid}-{next(_COUNTER)}")


def create_pod(ctx: Context, owner: Obj, template: Obj, name: str, extra_labels: dict[str, str],
               manager: str, hostname: str | None = None) -> Obj | None:
    template_meta = template.get("metadata") or {}
    meta: Obj = {"name": name, "namespace": owner["metadata"]["namespace"],
                 "labels": {**(template_meta.get("labels") or {}), **extra_labels},
                 "ownerReferences": [owner_ref(owner)]}
    if template_meta.get("annotations"):
        meta["annotations"] = deep(template_meta["annotations"])
    spec = deep(template.get("spec") or {})
    if hostname:
        spec["hostname"] = hostname
    return ctx.create(R.PODS, meta["namespace"], {"apiVersion": "v1", "kind": "Pod",
                                                  "metadata": meta, "spec": spec}, manager)


def delete_pod(ctx: Context, pod: Obj) -> None:
    meta = pod["metadata"]
    with contextlib.suppress(Exception):
        deletion.delete(ctx.api, R.PODS, meta["namespace"], meta["name"], "Background")


def sort_for_deletion(pods: list[Obj]) -> list[Obj]:
    """Like the ReplicaSet controller: unscheduled, then not ready, then newest first."""
    return sorted(pods, key=lambda p: (bool(dig(p, "spec", "nodeName")), is_ready(p),
                                       [-ord(ch) for ch in p["metadata"]["creationTimestamp"]]))
