"""Small, JSON-ready views of cluster objects for check evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from deployments.health.fields import as_int, dig

# Enough to prove a point without flooding the tab; the newest events are the relevant ones.
MAX_EVENTS = 8


def event_view(event: Mapping[str, Any]) -> dict[str, Any]:
    involved = event.get("involvedObject") or {}
    return {
        "type": event.get("type"),
        "reason": event.get("reason"),
        "message": event.get("message"),
        "object": f"{involved.get('kind')}/{involved.get('name')}",
        "count": as_int(event.get("count"), 1),
        "last_seen": event.get("lastTimestamp") or event.get("eventTime"),
    }


def events_view(events: Iterable[Mapping[str, Any]], *reasons: str) -> list[dict[str, Any]]:
    """Events (optionally only some reasons), newest last, at most MAX_EVENTS."""
    chosen = [e for e in events if not reasons or e.get("reason") in reasons]
    return [event_view(e) for e in chosen[-MAX_EVENTS:]]


def pod_names(pods: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(dig(pod, "metadata", "name")) for pod in pods]


def condition(obj: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    for cond in dig(obj, "status", "conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == type_:
            return {k: cond.get(k) for k in ("type", "status", "reason", "message")}
    return None
