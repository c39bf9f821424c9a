"""JSON Schema (draft 2020-12) building blocks for node ``data`` and their format checker.

Schemas are both the validation contract and the form description the frontend renders, so
every field carries a title and a description, and defaults live here rather than in code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import FormatChecker

from workflows.kinds import validators as v

Schema = dict[str, Any]

# Marks values that must be masked by the API and the UI (Secret data).
SECRET_MARKER = "x-kubeorch-secret"

FORMATS: dict[str, Callable[[object], bool]] = {
    "dns1123-label": v.is_dns1123_label,
    "dns1035-label": v.is_dns1035_label,
    "dns1123-subdomain": v.is_dns1123_subdomain,
    "ingress-host": v.is_ingress_host,
    "image-reference": v.is_image_reference,
    "k8s-quantity": v.is_quantity,
    "cron": v.is_cron_schedule,
    "env-var-name": v.is_env_var_name,
    "config-key": v.is_config_key,
    "label-key": v.is_label_key,
    "label-value": v.is_label_value,
    "port-name": v.is_port_name,
    "cidr": v.is_cidr,
    "http-path": v.is_http_path,
}

FORMAT_MESSAGES: dict[str, str] = {
    "dns1123-label": "must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', "
    "starting and ending with a letter or digit",
    "dns1035-label": "must be a DNS-1035 label: at most 63 lowercase letters, digits or '-', "
    "starting with a letter and ending with a letter or digit",
    "dns1123-subdomain": "must be a DNS-1123 subdomain: lowercase labels separated by '.', "
    "at most 253 characters",
    "ingress-host": "must be a DNS hostname such as 'app.example.com' or '*.example.com'",
    "image-reference": "must be a container image reference such as 'nginx:1.27' or "
    "'ghcr.io/org/app@sha256:<64 hex digits>'",
    "k8s-quantity": "must be a Kubernetes quantity such as '100m', '0.5', '128Mi' or '1G'",
    "cron": "must be a 5-field cron schedule (minute hour day-of-month month day-of-week) "
    "or a macro such as '@hourly'",
    "env-var-name": "must be an environment variable name: letters, digits, '_', '-' or '.', "
    "not starting with a digit",
    "config-key": "must be a key of letters, digits, '-', '_' or '.'",
    "label-key": "must be a label key: [prefix/]name, name at most 63 alphanumerics, '-', '_', '.'",
    "label-value": "must be a label value: at most 63 alphanumerics, '-', '_' or '.', "
    "starting and ending with an alphanumeric",
    "port-name": "must be a port name: at most 15 lowercase letters, digits or '-', "
    "with at least one letter",
    "cidr": "must be a CIDR block such as '10.0.0.0/8'",
    "http-path": "must be an absolute path starting with '/'",
}


def _build_format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, predicate in FORMATS.items():
        # Non-strings are left to the "type" keyword, as jsonschema formats require.
        checker.checks(name)(lambda value, p=predicate: not isinstance(value, str) or p(value))
    return checker


FORMAT_CHECKER = _build_format_checker()


# --- field builders -------------------------------------------------------------------------


def string(title: str, description: str, **extra: Any) -> Schema:
    return {"type": "string", "title": title, "description": description, **extra}


def formatted(fmt: str, title: str, description: str, **extra: Any) -> Schema:
    return string(title, description, format=fmt, **extra)


def integer(title: str, description: str, *, minimum: int | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "integer", "title": title, "description": description, **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    return schema


def boolean(title: str, description: str, *, default: bool | None = None) -> Schema:
    schema: Schema = {"type": "boolean", "title": title, "description": description}
    if default is not None:
        schema["default"] = default
    return schema


def enum(title: str, description: str, values: list[str], **extra: Any) -> Schema:
    return {"type": "string", "title": title, "description": description, "enum": values, **extra}


def port(title: str, description: str, **extra: Any) -> Schema:
    return integer(title, description, minimum=1, maximum=65535, **extra)


def port_or_name(title: str, description: str) -> Schema:
    return {
        "title": title,
        "description": description,
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": 65535},
            {"type": "string", "format": "port-name"},
        ],
    }


def quantity(title: str, description: str, **extra: Any) -> Schema:
    return formatted("k8s-quantity", title, description, **extra)


def string_list(title: str, description: str, item: Schema | None = None, **extra: Any) -> Schema:
    return {
        "type": "array",
        "title": title,
        "description": description,
        "items": item or {"type": "string"},
        **extra,
    }


def array(title: str, description: str, item: Schema, **extra: Any) -> Schema:
    return {"type": "array", "title": title, "description": description, "items": item, **extra}


def string_map(
    title: str, description: str, *, key_format: str, value: Schema | None = None
) -> Schema:
    """A free-form map; the only place where arbitrary keys are allowed."""
    return {
        "type": "object",
        "title": title,
        "description": description,
        "propertyNames": {"format": key_format},
        "additionalProperties": value or {"type": "string"},
    }


def labels(title: str = "Labels", description: str = "Extra labels for the object.") -> Schema:
    return string_map(
        title,
        description,
        key_format="label-key",
        value={"type": "string", "format": "label-value"},
    )


def annotation_map() -> Schema:
    return string_map(
        "Annotations", "Annotations added to the object's metadata.", key_format="label-key"
    )


def obj(
    properties: Mapping[str, Schema],
    *,
    required: list[str] | None = None,
    title: str | None = None,
    description: str | None = None,
    frontend_keys: bool = False,
    **extra: Any,
) -> Schema:
    """A closed object: unknown keys are errors (typos must not be silently ignored).

    ``frontend_keys`` admits keys starting with ``_`` that the canvas uses for bookkeeping.
    """
    schema: Schema = {"type": "object"}
    if title:
        schema["title"] = title
    if description:
        schema["description"] = description
    schema["properties"] = dict(properties)
    if required:
        schema["required"] = required
    if frontend_keys:
        schema["patternProperties"] = {"^_": {}}
    schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def metadata_properties(*, name_format: str = "dns1123-label", name_max: int = 63) -> Schema:
    """Fields every kind has: name, namespace, labels, annotations."""
    return {
        "name": formatted(
            name_format,
            "Name",
            "Name of the Kubernetes object; unique per kind within its namespace.",
            maxLength=name_max,
            minLength=1,
        ),
        "namespace": formatted(
            "dns1123-label",
            "Namespace",
            "Namespace of the object; defaults to the workflow's namespace.",
        ),
        "labels": labels(),
        "annotations": annotation_map(),
    }


# --- defaults -------------------------------------------------------------------------------


def apply_defaults(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with schema defaults filled in for absent properties.

    Recurses into present objects and arrays of objects so nested defaults (probe
    ``pathType``...) apply too. ``data`` is assumed to be valid against ``schema``.
    """
    result = _json_copy(dict(data))
    _fill_object(schema, result)
    return result


def _json_copy(value: Any) -> Any:
    # Node data is JSON: copying only dicts and lists is exact and ~5x faster than deepcopy.
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        # JSON Schema counts 3.0 as an integer and JavaScript clients may send it, but
        # Kubernetes rejects 3.0 in int32 fields. No kind field is a fractional number.
        return int(value)
    return value


def _fill_object(schema: Schema, value: dict[str, Any]) -> None:
    for key, prop in schema.get("properties", {}).items():
        if key not in value:
            if "default" in prop:
                value[key] = copy.deepcopy(prop["default"])
            continue
        _fill_value(prop, value[key])


def _fill_value(schema: Schema, value: Any) -> None:
    if isinstance(value, dict):
        _fill_object(schema, value)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _fill_value(schema["items"], item)


def defaults_of(schema: Schema) -> dict[str, Any]:
    """Top-level defaults, as shown by the catalog to pre-fill a new node."""
    return {
        key: copy.deepcopy(prop["default"])
        for key, prop in schema.get("properties", {}).items()
        if "default" in prop
    }
