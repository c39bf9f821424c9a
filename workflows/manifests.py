"""Rendering a validated topology into Kubernetes manifests. Pure: no I/O.

Objects come out in dependency waves (what others reference first), then in node order, so
the same graph always renders to the same bytes and ``kubectl apply -f`` creates referenced
objects before their referrers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from workflows.graph import GraphError, check_graph
from workflows.kinds import KINDS
from workflows.kinds.context import RenderContext

# ConfigMap/Secret/PVC/NetworkPolicy -> workloads -> Services -> Ingress/HPA.
WAVES: tuple[tuple[str, ...], ...] = (
    ("configmap", "secret", "persistentvolumeclaim", "networkpolicy"),
    ("deployment", "statefulset", "daemonset", "job", "cronjob"),
    ("service",),
    ("ingress", "hpa"),
)
_WAVE_OF = {kind: wave for wave, kinds in enumerate(WAVES) for kind in kinds}
assert set(_WAVE_OF) == set(KINDS), "every kind belongs to exactly one wave"

REDACTED = "<redacted>"


def wave_of(kind: str) -> int:
    """The apply wave (0 first) of a kind type id; KeyError for unknown kinds."""
    return _WAVE_OF[kind]


def in_waves(objects: Iterable[RenderedObject]) -> list[list[RenderedObject]]:
    """Objects grouped by apply wave, first wave first, input order kept within a wave."""
    waves: dict[int, list[RenderedObject]] = {}
    for obj in objects:
        waves.setdefault(wave_of(obj.kind), []).append(obj)
    return [waves[index] for index in sorted(waves)]


@dataclass(frozen=True)
class RenderedObject:
    node_id: str
    kind: str  # the node kind type id ("deployment"), not the Kubernetes kind
    manifest: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.manifest["apiVersion"])

    @property
    def k8s_kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.manifest["metadata"]["namespace"])


class InvalidGraphError(ValueError):
    """The graph cannot be rendered; ``errors`` says why (same as ``validate_graph``)."""

    def __init__(self, errors: list[GraphError]) -> None:
        self.errors = errors
        shown = "; ".join(f"{e.path}: {e.message}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid graph: {shown}{more}")


def render_manifests(
    nodes: object,
    edges: object,
    *,
    workflow_id: str | int,
    namespace: str,
    secret_values: Mapping[str, Mapping[str, str]] | None = None,
) -> list[RenderedObject]:
    """Kubernetes objects for every node, in apply order.

    ``namespace`` is used for nodes without their own. ``secret_values`` supplies run-time
    values of Secret ``keys`` by secret node id. Raises :class:`InvalidGraphError` when
    ``validate_graph`` would report errors: nothing half-valid is ever rendered.
    """
    check = check_graph(nodes, edges, default_namespace=namespace)
    if check.errors:
        raise InvalidGraphError(check.errors)
    ctx = RenderContext(str(workflow_id), check.topology, secret_values or {})
    rendered = [
        RenderedObject(node.id, node.type_id, manifest)
        for node in check.topology.nodes.values()
        for manifest in KINDS[node.type_id].render(node, ctx)
    ]
    order = {node_id: node.index for node_id, node in check.topology.nodes.items()}
    # sorted() is stable: objects of one node keep the order their renderer gave them.
    return sorted(rendered, key=lambda obj: (wave_of(obj.kind), order[obj.node_id]))


def to_yaml(objects: Iterable[RenderedObject], *, redact_secrets: bool = False) -> str:
    """A multi-document YAML stream for ``kubectl apply -f``.

    ``redact_secrets`` replaces Secret values for previews that must not leak them.
    """
    documents = [_redacted(obj.manifest) if redact_secrets else obj.manifest for obj in objects]
    return "".join(
        "---\n" + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1000)
        for doc in documents
    )


def _redacted(manifest: dict[str, Any]) -> dict[str, Any]:
    if manifest.get("kind") != "Secret":
        return manifest
    masked = copy.deepcopy(manifest)
    for key in ("data", "stringData"):
        if key in masked:
            masked[key] = {name: REDACTED for name in masked[key]}
    return masked
