"""The :class:`NodeKind` contract every node kind module fulfils.

Field-schema builders live in :mod:`workflows.kinds.schema`, value validators in
:mod:`workflows.kinds.validators`; both are re-exported here for kind modules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from workflows.kinds import schema as s
from workflows.kinds import validators
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.fastcheck import Check, compile_schema

__all__ = [
    "CATEGORIES",
    "FieldError",
    "NodeKind",
    "RenderContext",
    "ResolvedNode",
    "Topology",
    "join_path",
    "s",
    "validators",
]

CATEGORIES = ("workloads", "networking", "config", "storage", "scaling", "security")

Manifest = dict[str, Any]
Renderer = Callable[[ResolvedNode, RenderContext], list[Manifest]]
DataChecker = Callable[[Mapping[str, Any]], list["FieldError"]]
LinkChecker = Callable[[ResolvedNode, Topology], list["FieldError"]]


@dataclass(frozen=True)
class FieldError:
    """A problem with one value. ``path`` is relative to the node's ``data`` for data errors
    (``replicas``, ``env[0].name``, ``labels["a b"]``; ``""`` means the data itself)."""

    path: str
    message: str


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def join_path(parts: Iterable[str | int]) -> str:
    """``["env", 0, "name"]`` -> ``env[0].name``; odd map keys are quoted: ``labels["a/b"]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


@dataclass(frozen=True, eq=False)
class NodeKind:
    type_id: str
    label: str
    category: str
    icon: str
    description: str
    schema: s.Schema
    targets: frozenset[str]
    renderer: Renderer
    # Cross-field rules a schema cannot express (requests <= limits...), run on defaulted data.
    data_checker: DataChecker | None = None
    # Rules that need the neighbours (an HPA needs a target...), paths relative to the node.
    link_checker: LinkChecker | None = None
    _validator: Draft202012Validator = field(init=False, repr=False)
    _is_valid: Check = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.type_id}: unknown category {self.category!r}")
        Draft202012Validator.check_schema(self.schema)
        # Compiled once per kind: validating thousands of nodes reuses it.
        validator = Draft202012Validator(self.schema, format_checker=s.FORMAT_CHECKER)
        object.__setattr__(self, "_validator", validator)
        object.__setattr__(self, "_is_valid", compile_schema(self.schema, s.FORMATS))

    @property
    def defaults(self) -> dict[str, Any]:
        return s.defaults_of(self.schema)

    def validate_data(self, data: object) -> list[FieldError]:
        return self.check_data(data)[0]

    def check_data(self, data: object) -> tuple[list[FieldError], dict[str, Any] | None]:
        """Errors of ``data``, and when there are none, ``data`` with defaults applied."""
        if not isinstance(data, dict):
            return [FieldError("", "must be an object")], None
        if not self._is_valid(data):
            # Slow path, only for invalid data: jsonschema explains what is wrong.
            errors = sorted(
                (err for e in self._validator.iter_errors(data) for err in _field_errors(e)),
                key=lambda e: (e.path, e.message),
            )
            if errors:
                return errors, None
        full = self.with_defaults(data)
        errors = self.data_checker(full) if self.data_checker is not None else []
        return errors, (None if errors else full)

    def with_defaults(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return s.apply_defaults(self.schema, data)

    def check_links(self, node: ResolvedNode, topology: Topology) -> list[FieldError]:
        return self.link_checker(node, topology) if self.link_checker else []

    def render(self, node: ResolvedNode, ctx: RenderContext) -> list[Manifest]:
        return self.renderer(node, ctx)


# --- jsonschema errors -> readable field errors ---------------------------------------------


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = list(error.absolute_path)
    keyword = error.validator
    if keyword == "required":
        missing = _quoted_name(error.message)
        return [FieldError(join_path([*path, missing]), "is required")]
    if keyword == "additionalProperties":
        return [
            FieldError(join_path([*path, key]), "unknown field")
            for key in _unexpected_keys(error)
        ]
    if keyword == "format" and "propertyNames" in error.relative_schema_path:
        message = s.FORMAT_MESSAGES.get(str(error.validator_value), "is not valid")
        return [FieldError(join_path([*path, str(error.instance)]), f"invalid key: {message}")]
    return [FieldError(join_path(path), _message(error))]


def _quoted_name(message: str) -> str:
    # jsonschema: "'name' is a required property"
    match = re.match(r"'(.*)' is a required property", message)
    return match.group(1) if match else message


def _unexpected_keys(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = set(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return sorted(
        key
        for key in instance
        if key not in known and not any(p.search(key) for p in patterns)
    )


def _message(error: ValidationError) -> str:
    keyword, expected = error.validator, error.validator_value
    if keyword == "format":
        return s.FORMAT_MESSAGES.get(str(expected), "is not valid")
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
    if keyword == "enum":
        return "must be one of: " + ", ".join(str(x) for x in expected)
    simple = _SIMPLE_MESSAGES.get(str(keyword))
    if simple:
        return simple.format(expected)
    if keyword == "oneOf" and error.schema.get("title"):
        return f"is not a valid {str(error.schema['title']).lower()}"
    return error.message


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}

_SIMPLE_MESSAGES = {
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "exclusiveMinimum": "must be greater than {}",
    "minLength": "must have at least {} characters",
    "maxLength": "must have at most {} characters",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "uniqueItems": "must not contain duplicates",
    "pattern": "must match {}",
    "const": "must be {}",
}
