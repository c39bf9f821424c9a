"""Reading a multi-document YAML stream into Kubernetes objects, keeping line numbers.

Errors say where the problem is (``line 12, column 3: ...``) because the text usually comes
from a paste or an upload that the user must then fix by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from workflows.kinds.base import FieldError

# Helm and kubectl output never needs more; a bound keeps alias bombs ("billion laughs") from
# expanding into gigabytes while we walk the documents.
MAX_YAML_NODES = 200_000

# libyaml's parser is ~10x faster than the pure-Python one and reports the same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ImportFailed(ValueError):
    """The text cannot be imported; ``errors`` say where and why (path ``yaml``)."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(error.message for error in errors))


@dataclass(frozen=True)
class K8sObject:
    """One Kubernetes object of the stream. ``document`` and ``line`` are 1-based."""

    document: int
    line: int
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def api_group(self) -> str:
        api_version = str(self.body["apiVersion"])
        return api_version.rpartition("/")[0]

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def label(self) -> str:
        """How warnings name the object: ``Deployment/web``."""
        return f"{self.kind}/{self.name}"


def read_objects(text: str) -> list[K8sObject]:
    """Every object of the stream (``kind: List`` items flattened), or :class:`ImportFailed`."""
    objects: list[K8sObject] = []
    errors: list[FieldError] = []
    for number, node, value in _documents(text):
        if value is None:
            continue  # empty documents ("---" at the end) are normal in Helm output
        if _is_list(value):
            objects += _list_items(number, node, value, errors)
        else:
            _collect(number, node.start_mark.line + 1, value, objects, errors)
    if errors:
        raise ImportFailed(errors)
    return objects


def _documents(text: str) -> Iterator[tuple[int, yaml.Node, Any]]:
    try:
        # The reader rejects control characters as soon as it is built: inside the try.
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise ImportFailed([FieldError("yaml", f"not valid YAML: {exc}")]) from exc
    budget = [MAX_YAML_NODES]
    try:
        number = 0
        while loader.check_node():
            number += 1
            node = loader.get_node()
            if node is None:
                continue
            _spend(node, budget, number)
            yield number, node, _json_like(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        raise ImportFailed([FieldError("yaml", _describe(exc))]) from exc
    except yaml.YAMLError as exc:
        raise ImportFailed([FieldError("yaml", f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()


def _json_like(value: Any) -> Any:
    """Kubernetes objects are JSON: YAML's non-string keys (``1: a``, ``true: b``) become
    strings, and dates back to the text they were written as, so later code sees one shape."""
    if isinstance(value, dict):
        return {_key_text(key): _json_like(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_like(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _spend(node: yaml.Node, budget: list[int], number: int) -> None:
    """Count nodes as the constructor will expand them (aliases included)."""
    stack = [node]
    while stack:
        current = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ImportFailed([FieldError(
                "yaml", f"document {number} (line {node.start_mark.line + 1}): too large or too "
                        f"many aliases (more than {MAX_YAML_NODES} values)")])
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))


def _describe(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "not valid YAML"
    if exc.context and exc.problem:
        problem = f"{problem} ({exc.context})"
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _is_list(value: Any) -> bool:
    return isinstance(value, dict) and value.get("kind") == "List" and "items" in value


def _list_items(
    number: int, node: yaml.Node, value: dict[str, Any], errors: list[FieldError]
) -> list[K8sObject]:
    items = value["items"] or []
    if not isinstance(items, list):
        line = node.start_mark.line + 1
        errors.append(FieldError("yaml", f"document {number} (line {line}): a List's items "
                                         "must be a list"))
        return []
    lines = _item_lines(node, len(items))
    objects: list[K8sObject] = []
    for item, line in zip(items, lines, strict=True):
        _collect(number, line, item, objects, errors)
    return objects


def _item_lines(node: yaml.Node, count: int) -> list[int]:
    default = [node.start_mark.line + 1] * count
    if not isinstance(node, yaml.MappingNode):
        return default
    for key, value in node.value:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return default


def _collect(
    number: int, line: int, value: Any, objects: list[K8sObject], errors: list[FieldError]
) -> None:
    problem = _not_an_object(value)
    if problem:
        errors.append(FieldError(
            "yaml", f"document {number} (line {line}): not a Kubernetes object: {problem}"))
    else:
        objects.append(K8sObject(number, line, value))


def _not_an_object(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a mapping with apiVersion, kind and metadata, got {_type_name(value)}"
    for key in ("apiVersion", "kind"):
        if not isinstance(value.get(key), str) or not value[key]:
            return f"{key} is missing"
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        return "metadata.name is missing"
    if not metadata["name"]:
        return "metadata.name is empty"
    return None


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__
