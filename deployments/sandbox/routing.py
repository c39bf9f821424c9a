"""URL -> (resource type, namespace, name, subresource) parsing for the REST paths."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import path_not_found
from .resources import ResourceType, lookup


@dataclass
class Route:
    group: str
    version: str
    rt: ResourceType | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    legacy_watch: bool = False

    @property
    def is_discovery(self) -> bool:
        return self.rt is None


def parse_route(path: str, extra: tuple[ResourceType, ...] = ()) -> Route | None:
    """None for paths outside /api and /apis; raises 404 for unknown resources."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        route, rest = Route("", parts[1]), parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        route, rest = Route(parts[1], parts[2]), parts[3:]
    else:
        return None
    if rest and rest[0] == "watch":
        route.legacy_watch, rest = True, rest[1:]
    if not rest:
        return route
    if rest[0] == "namespaces" and len(rest) >= 3:
        nested = lookup(route.group, route.version, rest[2], extra)
        if nested is None or not nested.namespaced:
            if lookup(route.group, route.version, "namespaces") is None or len(rest) > 3:
                raise path_not_found()
        else:
            route.namespace, rest = rest[1], rest[2:]
    rt = lookup(route.group, route.version, rest[0], extra)
    if rt is None or len(rest) > 3:
        raise path_not_found()
    route.rt = rt
    route.name = rest[1] if len(rest) > 1 else None
    route.subresource = rest[2] if len(rest) > 2 else None
    if route.subresource and route.subresource not in rt.subresources:
        raise path_not_found()
    if rt.namespaced and route.name and route.namespace is None:
        raise path_not_found()
    return route
