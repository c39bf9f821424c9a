"""Kind -> assessor dispatch.

Keys are ``(api group, kind)`` so a CRD that happens to be called "Deployment" in some
other group falls through to the generic kstatus rules instead of being misread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .model import Context, Health

Assessor = Callable[[Mapping[str, Any], Context], Health]

_ASSESSORS: dict[tuple[str, str], Assessor] = {}


def register(kind: str, *groups: str) -> Callable[[Assessor], Assessor]:
    """Register the decorated function for ``kind`` in each API group (``""`` is core)."""

    def decorator(func: Assessor) -> Assessor:
        for group in groups:
            key = (group, kind)
            if key in _ASSESSORS:
                raise ValueError(f"two health assessors registered for {group or 'core'}/{kind}")
            _ASSESSORS[key] = func
        return func

    return decorator


def lookup(group: str, kind: str) -> Assessor | None:
    return _ASSESSORS.get((group, kind))


def registered_kinds() -> list[tuple[str, str]]:
    return sorted(_ASSESSORS)
