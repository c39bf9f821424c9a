"""Importing Kubernetes YAML (``kubectl get -o yaml``, ``helm template``...) as a topology.

Pure: no I/O. ``import_yaml`` turns every supported object into a node of the matching kind,
infers edges from the references between objects (links.py), lays the graph out in apply
waves and guarantees that the result passes ``validate_graph``. What KubeOrch cannot model is
dropped with a warning naming the object, never silently.

Intended losses (why a round trip through YAML is not byte-exact for arbitrary input):
- one container per workload: sidecars and init containers are dropped; the container is
  named after the workload;
- volumes other than ConfigMap/Secret/PVC (emptyDir, hostPath, projected...), ``subPath``
  and ``items``; a ConfigMap/Secret/PVC is mounted the same way in every workload using it;
- env from ``fieldRef``/``resourceFieldRef``, ``envFrom`` prefixes, probe headers, gRPC
  probes, security contexts, affinity, tolerations, resources other than cpu, memory and
  ephemeral-storage;
- pod selectors: KubeOrch selects pods by its own labels, so a Service or NetworkPolicy that
  matches imported workloads becomes an edge; one Service selecting several workloads keeps
  the first; ``app.kubernetes.io/name`` and ``managed-by`` are replaced by KubeOrch's values;
- Deployments, StatefulSets and DaemonSets without a port get the kind's default port (80);
- Ingress: one host per Ingress, no default backend; StatefulSet ``volumeClaimTemplates``
  become one shared PVC per template (not one per replica); HPA metrics other than CPU or
  memory utilization; ExternalName Services and cluster-managed Secret types are skipped.
KubeOrch's own output (``to_yaml(render_manifests(...))``) re-imports to the same manifests,
node ids included (from the ``kubeorch.io/node-id`` annotation).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from workflows.importer.documents import ImportFailed, K8sObject, read_objects
from workflows.importer.drafts import (
    Draft,
    Notes,
    as_dict,
    as_list,
    metadata_data,
    node_id_hint,
    user_labels,
)
from workflows.importer.finish import finish_graph, graph_of, repair_data
from workflows.importer.links import infer_edges
from workflows.importer.objects import kind_data, node_kind
from workflows.importer.pods import first_container, template_of
from workflows.kinds.meta import MANAGED_BY_LABEL, NAME_LABEL
from workflows.kinds.podspec import WORKLOAD_KINDS

__all__ = ["ImportFailed", "ImportResult", "import_yaml"]


@dataclass(frozen=True)
class ImportResult:
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def import_yaml(text: str, *, default_namespace: str) -> ImportResult:
    """Nodes and edges for the Kubernetes objects of ``text``.

    Objects in ``default_namespace`` (or without one) get no namespace field, so they follow
    the workflow's namespace. Raises :class:`ImportFailed` (errors with path ``yaml``) when the
    text is not YAML or a document is not a Kubernetes object.
    """
    notes = Notes()
    drafts = _drafts(read_objects(text), default_namespace, notes)
    edges = infer_edges(drafts, notes)
    drafts = [d for d in drafts if repair_data(d, notes)]
    kept = {d.id for d in drafts}
    edges = [e for e in edges if e[0] in kept and e[1] in kept]
    drafts, edges = finish_graph(drafts, edges, default_namespace, notes)
    if notes.replaced_labels:
        keys = " and ".join(sorted(notes.replaced_labels))
        notes.add("", f"KubeOrch sets {keys} itself: the imported values were replaced")
    nodes, edge_dicts = graph_of(drafts, edges)
    return ImportResult(nodes, edge_dicts, notes.items)


def _drafts(objects: list[K8sObject], default_namespace: str, notes: Notes) -> list[Draft]:
    drafts: list[Draft] = []
    seen: dict[tuple[str, str, str], K8sObject] = {}
    unsupported: dict[str, list[str]] = {}
    for obj in _with_claim_templates(objects, notes):
        type_id = node_kind(obj)
        if type_id is None:
            unsupported.setdefault(f"{obj.kind} ({obj.body['apiVersion']})", []).append(obj.name)
            continue
        namespace = str(as_dict(obj.body["metadata"]).get("namespace") or default_namespace)
        key = (type_id, namespace, obj.name)
        if key in seen:
            notes.add(obj.label, f"document {obj.document} (line {obj.line}) repeats document "
                                 f"{seen[key].document}; the first one is kept")
            continue
        seen[key] = obj
        draft = _draft(obj, type_id, namespace, default_namespace, notes, drafts)
        if draft is not None:
            drafts.append(draft)
    for kind, names in unsupported.items():
        notes.add("", f"skipped {kind}: {', '.join(names)}; KubeOrch does not support this kind")
    return drafts


def _draft(
    obj: K8sObject, type_id: str, namespace: str, default_namespace: str, notes: Notes,
    existing: list[Draft],
) -> Draft | None:
    specific = kind_data(type_id, obj, notes)
    if specific is None:
        return None
    data = {**metadata_data(obj, default_namespace, notes), **specific}
    draft = Draft(_unique_id(obj, type_id, existing), type_id, obj, namespace, data)
    if type_id in WORKLOAD_KINDS:
        _attach_pod(draft, notes)
    return draft


def _attach_pod(draft: Draft, notes: Notes) -> None:
    template = template_of(draft.type_id, as_dict(draft.source.body.get("spec")))
    draft.pod_labels = {str(k): str(v) for k, v in
                        as_dict(as_dict(template.get("metadata")).get("labels")).items()}
    draft.pod_spec = as_dict(template.get("spec"))
    draft.container = first_container(draft.pod_spec, draft.label, Notes())  # warned already
    # Rendering puts the node's labels on the pods too: keep the pods' labels selectable.
    pod_user_labels = user_labels(draft.source, draft.pod_labels, notes)
    labels = {**draft.data.get("labels", {}), **pod_user_labels}
    if labels:
        draft.data["labels"] = labels


def _unique_id(obj: K8sObject, type_id: str, existing: list[Draft]) -> str:
    taken = {d.id for d in existing}
    base = node_id_hint(obj) or f"{type_id}-{obj.name}"
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def _with_claim_templates(objects: list[K8sObject], notes: Notes) -> list[K8sObject]:
    """StatefulSet volumeClaimTemplates -> one PVC object each, mounted by the StatefulSet.

    KubeOrch has no per-replica claims: the PVC is shared, which is only right for one replica
    (or ReadWriteMany storage); the warning says so.
    """
    result: list[K8sObject] = []
    for obj in objects:
        templates = as_list(as_dict(obj.body.get("spec")).get("volumeClaimTemplates"))
        if obj.kind != "StatefulSet" or not templates:
            result.append(obj)
            continue
        body = copy.deepcopy(obj.body)
        claims = [_claim_object(obj, body, as_dict(t)) for t in templates]
        notes.add(obj.label, "volumeClaimTemplates became shared PVCs "
                             f"({', '.join(c.name for c in claims)}): every replica now mounts "
                             "the same claim")
        result += [*claims, K8sObject(obj.document, obj.line, body)]
    return result


def _claim_object(sts: K8sObject, body: dict[str, Any], template: dict[str, Any]) -> K8sObject:
    meta = as_dict(template.get("metadata"))
    volume = str(meta.get("name") or "data")
    claim_name = f"{volume}-{sts.name}"
    namespace = as_dict(sts.body["metadata"]).get("namespace")
    metadata: dict[str, Any] = {"name": claim_name}
    if namespace:
        metadata["namespace"] = namespace
    labels = {k: v for k, v in as_dict(meta.get("labels")).items()
              if k not in (NAME_LABEL, MANAGED_BY_LABEL)}
    if labels:
        metadata["labels"] = labels
    _editable_volumes(body).append(
        {"name": volume, "persistentVolumeClaim": {"claimName": claim_name}})
    claim_body = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata,
                  "spec": as_dict(template.get("spec"))}
    return K8sObject(sts.document, sts.line, claim_body)


def _editable_volumes(body: dict[str, Any]) -> list[Any]:
    """The pod template's volume list in ``body`` (a copy), created where missing."""
    level: dict[str, Any] = body
    for key in ("spec", "template", "spec"):
        if not isinstance(level.get(key), dict):
            level[key] = {}
        level = level[key]
    if not isinstance(level.get("volumes"), list):
        level["volumes"] = []
    volumes: list[Any] = level["volumes"]
    return volumes
