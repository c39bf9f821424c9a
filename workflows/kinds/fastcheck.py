"""A compiled yes/no validator for the JSON Schema subset the kind schemas use.

Why: jsonschema's ``iter_errors`` costs ~3 ms for a fully populated workload node, so a
5,000-node graph took seconds. Valid data is the common case, so each kind first runs this
closure-compiled check (~20x faster) and only asks jsonschema for detailed errors when it
fails. It must agree exactly with jsonschema on the keywords it accepts (a property test
checks that); any other keyword is refused at compile time rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never affect validity.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$schema", "$comment"})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    # Draft 2020-12: 1.0 is an integer too.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _canonical(value: Any) -> Any:
    """A hashable form under which JSON-equal values are equal (True != 1, 1 == 1.0)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    return ("scalar", value)


def compile_schema(schema: Mapping[str, Any], formats: Mapping[str, Check]) -> Check:
    """A function telling whether an instance is valid against ``schema``."""
    checks: list[Check] = [
        check
        for key in schema
        if key not in _ANNOTATIONS and (check := _compile_keyword(key, schema, formats))
    ]
    if len(checks) == 1:
        return checks[0]

    def check_all(value: Any) -> bool:
        # A plain loop: measurably faster than all(<genexpr>) on this hot path.
        for check in checks:  # noqa: SIM110
            if not check(value):
                return False
        return True

    return check_all


def _compile_keyword(key: str, schema: Mapping[str, Any], formats: Mapping[str, Check]) -> (
    Check | None
):
    value = schema[key]
    if key.startswith("x-"):
        return None  # vendor extensions (x-kubeorch-secret) are annotations
    if key in _SCALAR_KEYWORDS:
        return _SCALAR_KEYWORDS[key](value)
    if key == "format":
        predicate = formats[value]
        return lambda v: not isinstance(v, str) or predicate(v)
    if key == "properties":
        return _properties(value, formats)
    if key in ("patternProperties", "additionalProperties"):
        return _extra_properties(schema, formats) if key == "additionalProperties" else (
            None if "additionalProperties" in schema else _extra_properties(schema, formats)
        )
    if key == "propertyNames":
        names = compile_schema(value, formats)
        return lambda v: not isinstance(v, dict) or all(names(k) for k in v)
    if key == "items":
        item = compile_schema(value, formats)

        def check_items(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            for x in v:  # noqa: SIM110 - hot path, see check_all
                if not item(x):
                    return False
            return True

        return check_items
    if key == "oneOf":
        options = [compile_schema(option, formats) for option in value]
        return lambda v: sum(1 for option in options if option(v)) == 1
    raise ValueError(f"fastcheck does not support the {key!r} keyword")


def _type(expected: str | list[str]) -> Check:
    names = [expected] if isinstance(expected, str) else list(expected)
    checks = [_TYPES[name] for name in names]
    if len(checks) == 1:
        return checks[0]
    return lambda v: any(check(v) for check in checks)


def _enum(values: list[Any]) -> Check:
    allowed = {_canonical(v) for v in values}
    return lambda v: _canonical(v) in allowed


def _const(expected: Any) -> Check:
    canonical = _canonical(expected)
    return lambda v: _canonical(v) == canonical


def _unique(enabled: bool) -> Check:
    if not enabled:
        return lambda v: True
    return lambda v: not isinstance(v, list) or len({_canonical(x) for x in v}) == len(v)


def _pattern(regex: str) -> Check:
    compiled = re.compile(regex)
    return lambda v: not isinstance(v, str) or compiled.search(v) is not None


_SCALAR_KEYWORDS: dict[str, Callable[[Any], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "minimum": lambda n: lambda v: not _is_number(v) or v >= n,
    "maximum": lambda n: lambda v: not _is_number(v) or v <= n,
    "minLength": lambda n: lambda v: not isinstance(v, str) or len(v) >= n,
    "maxLength": lambda n: lambda v: not isinstance(v, str) or len(v) <= n,
    "minItems": lambda n: lambda v: not isinstance(v, list) or len(v) >= n,
    "maxItems": lambda n: lambda v: not isinstance(v, list) or len(v) <= n,
    "minProperties": lambda n: lambda v: not isinstance(v, dict) or len(v) >= n,
    "required": lambda keys: lambda v: not isinstance(v, dict) or all(k in v for k in keys),
    "uniqueItems": _unique,
    "pattern": _pattern,
}


def _properties(properties: Mapping[str, Any], formats: Mapping[str, Check]) -> Check:
    compiled = {name: compile_schema(sub, formats) for name, sub in properties.items()}

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            sub = compiled.get(key)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _extra_properties(schema: Mapping[str, Any], formats: Mapping[str, Check]) -> Check:
    """patternProperties and additionalProperties together: they decide which keys are extra."""
    known = set(schema.get("properties", {}))
    patterns = [
        (re.compile(regex), compile_schema(sub, formats))
        for regex, sub in schema.get("patternProperties", {}).items()
    ]
    additional = schema.get("additionalProperties", True)
    extra: Check | None = (
        None if additional is True
        else (lambda v: False) if additional is False
        else compile_schema(additional, formats)
    )

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            matched = False
            for regex, sub in patterns:
                if regex.search(key):
                    matched = True
                    if not sub(item):
                        return False
            if not matched and key not in known and extra is not None and not extra(item):
                return False
        return True

    return check
