"""Tolerant readers for Kubernetes objects given as plain dicts.

Objects come straight from the API (or a watch cache) and fields are routinely absent:
status is empty right after creation and zero counts are omitted. These helpers turn
"absent" into the Kubernetes default instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = Mapping[str, Any]


def dig(obj: Any, *path: str) -> Any:
    """Walk nested mappings; ``None`` as soon as a step is missing or not a mapping."""
    current = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def as_int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):  # bool is an int subclass; a bool here is malformed input
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def name_of(obj: Obj) -> str:
    return str(dig(obj, "metadata", "name") or "?")


def spec(obj: Obj) -> Mapping[str, Any]:
    return as_map(obj.get("spec"))


def status(obj: Obj) -> Mapping[str, Any]:
    return as_map(obj.get("status"))


def api_group(obj: Obj) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` (the core group) -> ``""``."""
    api_version = str(obj.get("apiVersion") or "")
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def conditions(obj: Obj) -> list[Mapping[str, Any]]:
    return [c for c in as_list(status(obj).get("conditions")) if isinstance(c, Mapping)]


def condition(obj: Obj, type_: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions(obj) if c.get("type") == type_), None)


def condition_is(obj: Obj, type_: str, value: str) -> Mapping[str, Any] | None:
    """The condition of that type if its status is ``value`` ("True"/"False"/"Unknown")."""
    found = condition(obj, type_)
    return found if found is not None and found.get("status") == value else None


def generation_lag(obj: Obj, *, observed_required: bool) -> int | None:
    """The generation the controller has not observed yet, or ``None`` when it is up to date.

    Built-in workload controllers always write observedGeneration, so its absence means
    "not observed yet" (``observed_required``). For arbitrary kinds an absent
    observedGeneration means the controller does not publish it; kstatus then skips the check.
    """
    generation = dig(obj, "metadata", "generation")
    observed = status(obj).get("observedGeneration")
    if not isinstance(generation, int) or (observed is None and not observed_required):
        return None
    return generation if generation > as_int(observed) else None


def generation_message(generation: int) -> str:
    return f"waiting for the controller to observe generation {generation}"
