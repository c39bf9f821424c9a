"""Field-level comparison of a live object with what a server-side dry-run apply returns.

Both sides come from the API server (defaults filled in the same way), so any remaining
difference is a real change, once the fields the server rewrites on every write
(resourceVersion, managedFields, timestamps, status...) are set aside.
"""

from __future__ import annotations

import re
from typing import Any

from deployments.cluster.models import FieldChange, KubeObject

# Fields owned by the server's bookkeeping, not by the manifest.
VOLATILE_METADATA = (
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)
VOLATILE_TOP_LEVEL = ("status",)

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def comparable(obj: KubeObject | None) -> KubeObject:
    """A copy of obj without the fields that change on every write."""
    if not obj:
        return {}
    result = {key: value for key, value in obj.items() if key not in VOLATILE_TOP_LEVEL}
    metadata = dict(result.get("metadata") or {})
    for key in VOLATILE_METADATA:
        metadata.pop(key, None)
    result["metadata"] = metadata
    return result


def field_changes(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Leaf-level differences between two JSON values, with kubectl-like paths.

    Paths look like spec.replicas, spec.template.spec.containers[0].image and
    metadata.labels["app.kubernetes.io/name"]. Lists of different lengths are reported
    as one change of the whole list: index-by-index output would be misleading there.
    """
    if isinstance(old, dict) and new is None:
        new = {}
    if isinstance(new, dict) and old is None:
        old = {}  # a new subtree is reported leaf by leaf, like an update
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[FieldChange] = []
        for key in sorted(set(old) | set(new)):
            changes.extend(field_changes(old.get(key), new.get(key), _join(path, key)))
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            changes.extend(field_changes(old_item, new_item, f"{path}[{index}]"))
        return changes
    if old == new:
        return []
    return [FieldChange(path=path, old=old, new=new)]


def _join(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    quoted = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{quoted}"]'


def diff_objects(live: KubeObject | None, desired: KubeObject) -> tuple[str, list[FieldChange]]:
    """(action, changes) for turning live into desired."""
    if live is None:
        return "create", field_changes({}, comparable(desired))
    changes = field_changes(comparable(live), comparable(desired))
    return ("update" if changes else "unchanged"), changes
