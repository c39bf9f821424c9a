"""Secret values in a graph never leave the server in plain text.

Fields a kind marks `x-kubeorch-secret` (a Secret node's `data`) are replaced in API output by
`********:<fingerprint>`: a keyed HMAC prefix, so a compare still shows that a value changed
without revealing it. A save that sends a mask back keeps the stored value it stands for.
"""

import copy
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.conf import settings

from kubeorch.errors import FieldError
from workflows.kinds import KINDS
from workflows.kinds.schema import SECRET_MARKER

MASK = re.compile(r"^\*{8}:[0-9a-f]{8}$")


@cache
def secret_fields(kind: str) -> tuple[str, ...]:
    """Top-level data fields of a kind whose values are secret maps."""
    node_kind = KINDS.get(kind)
    if node_kind is None:
        return ()
    properties = node_kind.schema.get("properties", {})
    return tuple(name for name, spec in properties.items() if spec.get(SECRET_MARKER))


def mask_value(value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"********:{digest[:8]}"


def _secret_maps_by_field(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """(field, its {key: value} map) for every secret field the node fills in."""
    if not isinstance(node, dict) or not isinstance(node.get("data"), dict):
        return []
    data = node["data"]
    return [
        (f, data[f]) for f in secret_fields(str(node.get("type"))) if isinstance(data.get(f), dict)
    ]


def _secret_maps(node: Any) -> list[dict[str, Any]]:
    return [values for _, values in _secret_maps_by_field(node)]


def mask_nodes(nodes: Any) -> Any:
    """A copy of the nodes with every secret value masked (input untouched)."""
    if not isinstance(nodes, list):
        return nodes
    masked = copy.deepcopy(nodes)
    for node in masked:
        for values in _secret_maps(node):
            for key, value in values.items():
                if isinstance(value, str):
                    values[key] = mask_value(value)
    return masked


def unmask_nodes(nodes: Any, stored_nodes: Any) -> list[FieldError]:
    """Replace masks sent back by a client with the stored values they stand for, in place.

    A mask matches a stored secret value of the same workflow (so a copied Secret node keeps
    its values); a mask that matches nothing is an error: the client must type the value.
    """
    known = {mask_value(v): v for v in secret_values(stored_nodes)}
    errors = []
    for index, node in enumerate(nodes if isinstance(nodes, list) else []):
        for field, values in _secret_maps_by_field(node):
            for key, value in values.items():
                if not (isinstance(value, str) and MASK.match(value)):
                    continue
                if value in known:
                    values[key] = known[value]
                else:
                    errors.append(
                        FieldError(
                            f"nodes[{index}].data.{field}.{key}",
                            "this is a masked secret value KubeOrch does not know: type the value",
                        )
                    )
    return errors


# Shorter values ("1", "on") would blank out ordinary words of a log line.
SHORTEST_REDACTED = 4


def redactor(secrets: Iterable[Any]) -> Callable[[str], str]:
    """A function masking every occurrence of the given secret values in a log line: an app
    that prints its configuration must not hand its secrets to whoever can read its logs."""
    values = sorted({str(v) for v in secrets if len(str(v)) >= SHORTEST_REDACTED},
                    key=len, reverse=True)  # longest first: a value containing another
    if not values:
        return lambda line: line
    pattern = re.compile("|".join(re.escape(v) for v in values))
    return lambda line: pattern.sub(lambda m: mask_value(m.group(0)), line)


def redact(lines: list[str], secrets: Iterable[Any]) -> list[str]:
    mask = redactor(secrets)
    return [mask(line) for line in lines]


def secret_values(*graphs: Any) -> list[str]:
    """Every secret value in the given node lists (a workflow's graph and its versions)."""
    return [value for nodes in graphs for node in (nodes if isinstance(nodes, list) else [])
            for values in _secret_maps(node) for value in values.values()
            if isinstance(value, str)]
