"""Rendering a LabelSelector object (matchLabels/matchExpressions) as a query string."""

from __future__ import annotations

from typing import Any


def to_label_selector(selector: dict[str, Any] | None) -> str | None:
    """Render as e.g. `app=web,tier in (a,b),!legacy`; None if it selects nothing.

    An empty selector ({}) selects everything in Kubernetes; that is never what a
    workload means by "my pods", so it is treated like a missing selector.
    """
    if not selector:
        return None
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    terms.extend(_expression(expr) for expr in selector.get("matchExpressions") or [])
    return ",".join(terms) or None


def _expression(expression: dict[str, Any]) -> str:
    key = expression["key"]
    operator = expression["operator"]
    values = ",".join(expression.get("values") or [])
    if operator == "In":
        return f"{key} in ({values})"
    if operator == "NotIn":
        return f"{key} notin ({values})"
    if operator == "Exists":
        return key
    if operator == "DoesNotExist":
        return f"!{key}"
    raise ValueError(f"unsupported label selector operator {operator!r}")
