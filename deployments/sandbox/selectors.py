"""labelSelector / fieldSelector parsing and matching with the API server's semantics."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request
from .resources import ResourceType
from .util import Obj, dig

Predicate = Callable[[Obj], bool]

_SET_EXPR = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_EXPR = re.compile(r"^\s*([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)\s*$")
_EXISTS_EXPR = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def _split_requirements(text: str) -> list[str]:
    """Split on commas that are not inside `in (a,b)` parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _label_requirement(expr: str) -> Predicate:
    if match := _SET_EXPR.match(expr):
        key, op, raw = match.groups()
        values = {v.strip() for v in raw.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_EXPR.match(expr):
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS_EXPR.match(expr):
        negate, key = match.groups()
        if negate:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise bad_request(f"unable to parse requirement: {expr.strip()!r}")


def parse_label_selector(text: str | None) -> Predicate:
    if not text:
        return lambda obj: True
    requirements = [_label_requirement(expr) for expr in _split_requirements(text)]

    def matches(obj: Obj) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(req(labels) for req in requirements)

    return matches


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A LabelSelector object (matchLabels + matchExpressions); an empty one matches all."""
    if not selector:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), set(expr.get("values") or [])
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or \
           (op == "NotIn" and present and labels.get(key) in values) or \
           (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


_GENERIC_FIELDS = {"metadata.name", "metadata.namespace"}
_EXTRA_FIELDS: dict[str, set[str]] = {
    "Pod": {"status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName"},
    "Event": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
    "Secret": {"type"},
    "Namespace": {"status.phase"},
    "ReplicaSet": {"status.replicas"},
    "Job": {"status.successful"},
    "Node": {"spec.unschedulable"},
}


def _field_value(obj: Obj, field: str) -> str:
    if field == "source":
        return str(dig(obj, "source", "component", default=""))
    value = dig(obj, *field.split("."), default="")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_field_selector(text: str | None, rt: ResourceType) -> Predicate:
    if not text:
        return lambda obj: True
    allowed = _GENERIC_FIELDS | _EXTRA_FIELDS.get(rt.kind, set())
    checks: list[tuple[str, bool, str]] = []
    for expr in _split_requirements(text):
        match = _EQ_EXPR.match(expr)
        if not match:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{expr}'")
        field, op, value = match.groups()
        if field not in allowed:
            raise bad_request(f'field label not supported: {field}')
        checks.append((field, op != "!=", value))

    def matches(obj: Obj) -> bool:
        return all((_field_value(obj, f) == v) == eq for f, eq, v in checks)

    return matches
