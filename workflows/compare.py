"""Compare two graphs: which nodes and edges were added, removed or modified, field by field.

Pure and linear: items are matched by id through dicts. Canvas-only keys (position, selection,
measured size) are ignored, because moving a node does not change what gets deployed.
"""

from typing import Any

UI_ONLY_KEYS = frozenset(
    {
        "position",
        "positionAbsolute",
        "selected",
        "dragging",
        "measured",
        "width",
        "height",
        "zIndex",
        "style",
        "className",
    }
)
_MISSING = object()


def field_changes(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Leaf-level differences between two JSON values, as [{path, old, new}]."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(old.keys() | new.keys(), key=str):
            if not path and key in UI_ONLY_KEYS:
                continue
            child = f"{path}.{key}" if path else str(key)
            changes += field_changes(old.get(key, _MISSING), new.get(key, _MISSING), child)
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else _MISSING
            b = new[index] if index < len(new) else _MISSING
            changes += field_changes(a, b, f"{path}[{index}]")
        return changes
    return [{"path": path, "old": _plain(old), "new": _plain(new)}]


def _plain(value: Any) -> Any:
    return None if value is _MISSING else value


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(item.get("id")): item for item in items if isinstance(item, dict)}


def compare_items(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list]:
    before, after = _by_id(old), _by_id(new)
    modified = []
    for item_id, item in after.items():
        if item_id in before:
            changes = field_changes(before[item_id], item)
            if changes:
                modified.append({"id": item_id, "changes": changes})
    return {
        "added": [item for item_id, item in after.items() if item_id not in before],
        "removed": [item for item_id, item in before.items() if item_id not in after],
        "modified": modified,
    }


def compare_graphs(old_nodes: list, old_edges: list, new_nodes: list, new_edges: list) -> dict:
    return {
        "nodes": compare_items(old_nodes, new_nodes),
        "edges": compare_items(old_edges, new_edges),
    }
