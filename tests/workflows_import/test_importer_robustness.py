"""Whatever shape a value takes, import_yaml answers with a valid graph or ImportFailed.

Each value of the realistic dump is replaced in turn by a value of the wrong shape (as a
hand-edited or truncated file would have); never an exception other than ImportFailed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from workflows.graph import validate_graph
from workflows.importer import ImportFailed, import_yaml

DUMP = yaml.safe_load((Path(__file__).parent / "cluster_dump.yaml").read_text())
ODD_VALUES: list[Any] = [None, 7, "x", [], {}, True, {1: [None]}, [{"name": None}], -1]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    copied = copy.deepcopy(document)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return copied


def test_no_value_shape_breaks_the_importer() -> None:
    checked = 0
    for number, path in enumerate(paths(DUMP)):
        if path[:1] != ("items",) or len(path) < 3:
            continue
        odd = ODD_VALUES[number % len(ODD_VALUES)]
        # JSON is YAML, and much faster to write than YAML for the ~500 variants.
        text = json.dumps(replaced(DUMP, path, odd))
        try:
            result = import_yaml(text, default_namespace="shop")
        except ImportFailed:
            continue
        errors = validate_graph(result.nodes, result.edges, default_namespace="shop")
        assert errors == [], (path, odd, errors)
        checked += 1
    assert checked > 300
