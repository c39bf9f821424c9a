"""PersistentVolumeClaims: bound, or why not (provisioning events and the cluster's storage
classes), with the default class as the fix for an unknown one."""

from __future__ import annotations

from typing import Any

from deployments.diagnostics.evidence import events_view
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed, warn
from deployments.diagnostics.registry import register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig
from deployments.health.pvc import DEFAULT_CLASS_ANNOTATION

BETA_DEFAULT_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class"


def _class_view(item: dict[str, Any]) -> dict[str, Any]:
    annotations = dig(item, "metadata", "annotations") or {}
    default = "true" in (
        annotations.get(DEFAULT_CLASS_ANNOTATION),
        annotations.get(BETA_DEFAULT_ANNOTATION),
    )
    return {
        "name": dig(item, "metadata", "name"),
        "default": default,
        "provisioner": item.get("provisioner"),
        "binding_mode": item.get("volumeBindingMode"),
    }


@register("persistentvolumeclaim")
def bound(subject: Subject) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    phase = dig(live, "status", "phase")
    wanted = dig(live, "spec", "storageClassName")
    evidence: dict[str, Any] = {
        "phase": phase,
        "storage_class": wanted,
        "volume": dig(live, "spec", "volumeName"),
        "capacity": dig(live, "status", "capacity", "storage"),
    }
    if phase == "Bound":
        return [passed("pvc.bound", f"bound to {evidence['volume']}", **evidence)]
    listed = subject.list_or_none("storage.k8s.io/v1", "StorageClass")
    classes = [_class_view(item) for item in listed or []]
    events = events_view(subject.events_about("PersistentVolumeClaim", subject.node.name))
    evidence.update(storage_classes=classes if listed is not None else None, events=events)
    names = {c["name"] for c in classes}
    if listed is not None and (wanted not in names):
        return [_unknown_class(subject, wanted, classes, evidence)]
    match = next((c for c in classes if c["name"] == wanted), None)
    if match and match["binding_mode"] == "WaitForFirstConsumer":
        return [
            warn(
                "pvc.bound",
                f"Pending until a pod uses it (class {wanted} binds on first consumer)",
                **evidence,
            )
        ]
    return [
        warn(
            "pvc.bound", f"Pending: {events[-1]['message'] if events else 'no events'}", **evidence
        )
    ]


def _unknown_class(
    subject: Subject, wanted: str | None, classes: list[dict[str, Any]], evidence: dict[str, Any]
) -> Check:
    default = next((c["name"] for c in classes if c["default"]), None)
    available = ", ".join(sorted(c["name"] for c in classes)) or "none"
    what = (
        f"storage class {wanted!r} does not exist"
        if wanted
        else "no storage class is set and the cluster has no default"
    )
    if default is None or default == wanted:
        return error(
            "pvc.bound", f"Pending: {what}; the cluster has: {available}; pick one", **evidence
        )
    raw = subject.raw_data().get("storageClassName")
    fix = Fix(
        "pvc.default-storage-class",
        f"use the cluster's default storage class {default!r}. A claim's class cannot change "
        "in place on a real cluster: delete the Pending claim (it holds no data) before "
        "re-running",
        (PatchOp(node_path(subject.node_id, "storageClassName"), raw, default),),
    )
    return error("pvc.bound", f"Pending: {what}; the cluster has: {available}", fix, **evidence)
