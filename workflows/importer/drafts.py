"""Nodes under construction, the warnings collected on the way, and shared metadata rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.importer.documents import K8sObject
from workflows.kinds import validators as v
from workflows.kinds.meta import (
    MANAGED_BY,
    MANAGED_BY_LABEL,
    NAME_LABEL,
    NODE_ID_ANNOTATION,
)

# Written by tools, not by people: importing them would only add noise to the node.
_TOOL_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    NODE_ID_ANNOTATION,
    "kubeorch.io/runtime-keys",  # becomes the Secret's `keys` field instead
})
_KUBEORCH_PREFIX = "kubeorch.io/"


@dataclass
class Notes:
    """Warnings for the user, in the order they were found, without repetitions."""

    items: list[str] = field(default_factory=list)
    replaced_labels: set[str] = field(default_factory=set)

    def add(self, about: str, message: str) -> None:
        text = f"{about}: {message}" if about else message
        if text not in self.items:
            self.items.append(text)


@dataclass
class Draft:
    """An imported object on its way to becoming a node."""

    id: str
    type_id: str
    source: K8sObject
    namespace: str  # effective namespace (the object's, else the import's default)
    data: dict[str, Any]
    pod_labels: dict[str, str] = field(default_factory=dict)
    pod_spec: dict[str, Any] = field(default_factory=dict)
    container: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def label(self) -> str:
        return self.source.label


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def metadata_data(obj: K8sObject, default_namespace: str, notes: Notes) -> dict[str, Any]:
    """name, namespace (only when not the import's default), labels and annotations."""
    metadata = as_dict(obj.body.get("metadata"))
    data: dict[str, Any] = {"name": obj.name}
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and namespace and namespace != default_namespace:
        data["namespace"] = namespace
    labels = user_labels(obj, as_dict(metadata.get("labels")), notes)
    if labels:
        data["labels"] = labels
    annotations = _annotations(obj, as_dict(metadata.get("annotations")), notes)
    if annotations:
        data["annotations"] = annotations
    return data


def user_labels(obj: K8sObject, labels: Mapping[str, Any], notes: Notes) -> dict[str, str]:
    """Labels a node may carry: KubeOrch sets its own identity labels when rendering."""
    kept: dict[str, str] = {}
    for key, value in labels.items():
        if _is_kubeorch_label(obj, key, value):
            continue
        if key in (NAME_LABEL, MANAGED_BY_LABEL):
            notes.replaced_labels.add(key)
            continue
        text = scalar_text(value)
        if not v.is_label_key(key) or not v.is_label_value(text):
            notes.add(obj.label, f"dropped the invalid label {key}={text!r}")
            continue
        kept[key] = text
    return kept


def _is_kubeorch_label(obj: K8sObject, key: str, value: Any) -> bool:
    if key.startswith(_KUBEORCH_PREFIX):
        return True
    if key == NAME_LABEL:
        return value == obj.name
    return key == MANAGED_BY_LABEL and value == MANAGED_BY


def _annotations(obj: K8sObject, annotations: Mapping[str, Any], notes: Notes) -> dict[str, str]:
    kept: dict[str, str] = {}
    for key, value in annotations.items():
        if key in _TOOL_ANNOTATIONS:
            continue
        if not isinstance(key, str) or not v.is_label_key(key):
            notes.add(obj.label, f"dropped the annotation {key!r}: not a valid annotation key")
            continue
        kept[key] = scalar_text(value)
    return kept


def scalar_text(value: Any) -> str:
    """YAML scalars as Kubernetes would read their text (`true`, not Python's `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def node_id_hint(obj: K8sObject) -> str | None:
    """The node id KubeOrch rendered into the object, so re-imports keep their ids."""
    annotations = as_dict(as_dict(obj.body.get("metadata")).get("annotations"))
    hint = annotations.get(NODE_ID_ANNOTATION)
    return hint if isinstance(hint, str) and hint else None


def quantity_text(value: Any) -> str | None:
    """``1`` and ``"1"`` are the same quantity; YAML often gives numbers."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value)
    return text if v.is_quantity(text) else None
