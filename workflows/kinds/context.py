"""The resolved view of a graph that link checks and renderers work on.

Edges are the truth for references between nodes (the ``_linked*`` fields the canvas keeps in
node data are informational only), so renderers ask the :class:`Topology` who points where.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResolvedNode:
    """A node whose data passed validation and has schema defaults applied."""

    id: str
    index: int  # position in the submitted ``nodes`` list, for error paths and ordering
    type_id: str
    data: Mapping[str, Any]
    namespace: str

    @property
    def name(self) -> str:
        return str(self.data["name"])


@dataclass
class Topology:
    nodes: dict[str, ResolvedNode] = field(default_factory=dict)
    _targets: dict[str, list[str]] = field(default_factory=dict)
    _sources: dict[str, list[str]] = field(default_factory=dict)

    def add_node(self, node: ResolvedNode) -> None:
        self.nodes[node.id] = node

    def add_edge(self, source: str, target: str) -> None:
        """Connect two known nodes; repeated connections are kept once."""
        if source not in self.nodes or target not in self.nodes:
            raise KeyError(f"edge {source!r} -> {target!r} references an unknown node")
        if target not in self._targets.setdefault(source, []):
            self._targets[source].append(target)
            self._sources.setdefault(target, []).append(source)

    def targets(self, node_id: str, kinds: Collection[str] | None = None) -> list[ResolvedNode]:
        """Nodes ``node_id`` points to (in edge order), optionally only of some kinds."""
        return self._select(self._targets.get(node_id, []), kinds)

    def sources(self, node_id: str, kinds: Collection[str] | None = None) -> list[ResolvedNode]:
        """Nodes pointing to ``node_id`` (in edge order), optionally only of some kinds."""
        return self._select(self._sources.get(node_id, []), kinds)

    def _select(self, ids: list[str], kinds: Collection[str] | None) -> list[ResolvedNode]:
        found = [self.nodes[i] for i in ids]
        return found if kinds is None else [n for n in found if n.type_id in kinds]


@dataclass(frozen=True)
class RenderContext:
    workflow_id: str
    topology: Topology
    # Secret values supplied at run time, by secret node id then key (see kinds/secret.py).
    secret_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
