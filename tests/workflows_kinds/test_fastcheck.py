"""The compiled fast path must agree with jsonschema on every kind schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.workflows_kinds.graphs import rich_graph
from workflows.kinds import KINDS
from workflows.kinds.fastcheck import compile_schema
from workflows.kinds.schema import FORMAT_CHECKER, FORMATS

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False,
                                                                allow_infinity=False),
    st.sampled_from(["", "web", "Web", "nginx:1.27", "100m", "1Gi", "*/5 * * * *", "http",
                     "/", "TCP", "cpu", "Prefix", "10.0.0.0/8", "a b", "ClusterIP", "Headless",
                     "kubernetes.io/tls", "-x"]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(
                                   ["name", "image", "port", "ports", "env", "value", "type",
                                    "labels", "path", "cidr", "_x", "zz", "a/b", "probes",
                                    "liveness", "command", "containerPort", "targets",
                                    "averageUtilization", "replicas", "data"]),
                                   children, max_size=4)),
    max_leaves=12,
)


BAD_LEAVES: tuple[Any, ...] = (None, "Bad Value", -1, 1.5, [], {})


def _mutations(value: Any) -> list[Any]:
    """The value and variants with one leaf replaced, to probe near-valid data."""
    found = [value]
    if isinstance(value, dict):
        for key, item in value.items():
            for bad in BAD_LEAVES:
                found.append({**value, key: bad})
            found += [{**value, key: sub} for sub in _mutations(item)[1:3]]
    return found


@pytest.mark.parametrize("kind", list(KINDS))
def test_agrees_on_rich_data_and_its_mutations(kind: str) -> None:
    schema = KINDS[kind].schema
    fast = compile_schema(schema, FORMATS)
    slow = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    samples = [n["data"] for n in rich_graph()[0] if n["type"] == kind]
    for sample in samples:
        for variant in _mutations(sample):
            assert fast(variant) == slow.is_valid(variant), variant


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(list(KINDS)), data=JSON)
def test_agrees_on_arbitrary_json(kind: str, data: Any) -> None:
    schema = KINDS[kind].schema
    slow = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    assert compile_schema(schema, FORMATS)(data) == slow.is_valid(data)


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(ValueError, match="allOf"):
        compile_schema({"allOf": [{}]}, FORMATS)

