"""What a workflow would change in its cluster: rendered manifests and a server-side dry run."""

import copy
from typing import Any

from deployments.cluster import ClusterClient, ClusterError
from deployments.clusters import client_for
from kubeorch.errors import Conflict, InvalidInput
from kubeorch.errors import FieldError as E
from workflows.manifests import (
    REDACTED,
    InvalidGraphError,
    RenderedObject,
    render_manifests,
    to_yaml,
)
from workflows.models import Workflow

SECRET_FIELDS = frozenset({"data", "stringData"})


def render_workflow(workflow: Workflow, secret_values: dict | None = None) -> list[RenderedObject]:
    try:
        return render_manifests(
            workflow.nodes,
            workflow.edges,
            workflow_id=workflow.pk,
            namespace=workflow.namespace,
            secret_values=secret_values,
        )
    except InvalidGraphError as exc:
        raise InvalidInput(
            "the saved graph is invalid", [E(e.path, e.message) for e in exc.errors]
        ) from exc


def cluster_of(workflow: Workflow) -> ClusterClient:
    if workflow.cluster is None:
        raise Conflict(
            f"workflow {workflow.name!r} has no cluster: choose one first", code="no_cluster"
        )
    return client_for(workflow.cluster)


def preview(workflow: Workflow) -> list[dict[str, Any]]:
    """Per object: create | update | unchanged with field changes, or the API server's error."""
    client = cluster_of(workflow)
    objects = render_workflow(workflow)
    existing = set(client.info().namespaces) if objects else set()
    return [_preview_one(client, obj, existing) for obj in objects]


def _preview_one(client: ClusterClient, obj: RenderedObject, namespaces: set[str]) -> dict:
    entry: dict[str, Any] = {
        "node_id": obj.node_id,
        "kind": obj.k8s_kind,
        "name": obj.name,
        "namespace": obj.namespace,
    }
    if obj.namespace not in namespaces:
        # A dry run cannot run in a namespace that does not exist; the run will create it.
        return {**entry, "action": "create", "changes": [], "note": "namespace will be created"}
    try:
        diff = client.diff(obj.manifest)
    except ClusterError as exc:
        return {**entry, "action": "error", "error": exc.message, "retryable": exc.retryable}
    changes = [c.to_dict() for c in diff.changes]
    if obj.k8s_kind == "Secret":
        changes = [_redact(c) for c in changes]
    return {**entry, "action": diff.action, "changes": changes}


def _redact(change: dict[str, Any]) -> dict[str, Any]:
    if change["path"].split(".")[0].split("[")[0] in SECRET_FIELDS:
        return {**change, "old": REDACTED if change["old"] is not None else None,
                "new": REDACTED if change["new"] is not None else None}
    return change


WITHHELD_KEYS_ANNOTATION = "kubeorch.io/withheld-keys"


def export_yaml(objects: list[RenderedObject]) -> str:
    """YAML for `kubectl apply -f` without Secret values.

    The values are dropped rather than masked: a placeholder would overwrite the real secret on
    apply, while an absent key leaves the live value alone under server-side apply.
    """
    return to_yaml([_without_secret_values(obj) for obj in objects])


def _without_secret_values(obj: RenderedObject) -> RenderedObject:
    if obj.k8s_kind != "Secret":
        return obj
    manifest = copy.deepcopy(obj.manifest)
    keys = sorted({*manifest.pop("data", {}), *manifest.pop("stringData", {})})
    if keys:
        annotations = manifest["metadata"].setdefault("annotations", {})
        annotations[WITHHELD_KEYS_ANNOTATION] = ",".join(keys)
    return RenderedObject(node_id=obj.node_id, kind=obj.kind, manifest=manifest)
