"""The registry and catalog the frontend builds its palette and forms from."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from workflows.kinds import EDGE_RULES, KINDS, catalog, get_kind
from workflows.kinds.schema import FORMAT_CHECKER, SECRET_MARKER

KIND_IDS = ["deployment", "statefulset", "daemonset", "job", "cronjob", "service", "ingress",
            "configmap", "secret", "persistentvolumeclaim", "hpa", "networkpolicy"]

WORKLOADS = {"deployment", "statefulset", "daemonset", "job", "cronjob"}
EXPECTED_RULES = {
    "ingress": {"service"},
    "service": {"deployment", "statefulset", "daemonset"},
    "configmap": WORKLOADS,
    "secret": WORKLOADS,
    "persistentvolumeclaim": {"deployment", "statefulset"},
    "hpa": {"deployment", "statefulset"},
    "networkpolicy": {"deployment", "statefulset", "daemonset"},
}


def test_registry_has_the_twelve_kinds_in_order() -> None:
    assert list(KINDS) == KIND_IDS
    assert get_kind("deployment") is KINDS["deployment"]
    assert get_kind("pod") is None and get_kind(None) is None and get_kind(["x"]) is None


def test_edge_rules_are_exactly_the_semantic_table() -> None:
    assert {k: set(v) for k, v in EDGE_RULES.items() if v} == EXPECTED_RULES
    assert all(not EDGE_RULES[kind] for kind in WORKLOADS)


def test_catalog_shape() -> None:
    entries = catalog()
    assert [entry["kind"] for entry in entries] == KIND_IDS
    for entry in entries:
        assert set(entry) == {"kind", "label", "category", "icon", "description", "schema",
                              "connections", "defaults"}
        assert entry["category"] in {"workloads", "networking", "config", "storage", "scaling",
                                     "security"}
        assert entry["icon"] and entry["description"] and entry["label"]
        assert set(entry["connections"]["targets"]) == EXPECTED_RULES.get(entry["kind"], set())
        for source in entry["connections"]["sources"]:
            assert entry["kind"] in EXPECTED_RULES[source]
    by_kind = {entry["kind"]: entry for entry in entries}
    assert by_kind["deployment"]["connections"]["sources"] == [
        "service", "configmap", "secret", "persistentvolumeclaim", "hpa", "networkpolicy"]
    assert by_kind["deployment"]["defaults"] == {"port": 80, "replicas": 1,
                                                 "strategy": "RollingUpdate"}
    assert by_kind["hpa"]["defaults"]["targets"] == [{"type": "cpu", "averageUtilization": 80}]


def _walk(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found += _walk(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _walk(value)
    return found


@pytest.mark.parametrize("kind", KIND_IDS)
def test_schemas_are_valid_draft_2020_12_and_describe_their_fields(kind: str) -> None:
    schema = KINDS[kind].schema
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert "name" in schema["required"]
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop.get("description"), f"{kind}.{name}"
    # Every closed object is closed: only maps (propertyNames) accept arbitrary keys.
    for sub in _walk(schema):
        if sub.get("type") == "object" and "properties" in sub:
            assert sub["additionalProperties"] is False


@pytest.mark.parametrize("kind", KIND_IDS)
def test_defaults_are_valid_against_their_schema(kind: str) -> None:
    validator = Draft202012Validator(KINDS[kind].schema, format_checker=FORMAT_CHECKER)
    for sub in _walk(KINDS[kind].schema):
        if "default" in sub:
            assert validator.evolve(schema=sub).is_valid(sub["default"]), sub


def test_secret_values_are_marked_for_masking() -> None:
    data = KINDS["secret"].schema["properties"]["data"]
    assert data[SECRET_MARKER] is True
    assert data["additionalProperties"][SECRET_MARKER] is True
    others = [kind for kind in KIND_IDS if kind != "secret"]
    assert not any(SECRET_MARKER in sub for kind in others for sub in _walk(KINDS[kind].schema))


def test_frontend_keys_allowed_only_with_underscore() -> None:
    kind = KINDS["service"]
    assert kind.validate_data({"name": "web", "_linkedDeployment": "x"}) == []
    assert [e.path for e in kind.validate_data({"name": "web", "linkedDeployment": "x"})] == [
        "linkedDeployment"]
