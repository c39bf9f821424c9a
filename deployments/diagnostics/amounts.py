"""Kubernetes quantities for fixes: parse, and write back in the units people use."""

from __future__ import annotations

import math
from decimal import Decimal

from workflows.kinds.validators import parse_quantity

MI = Decimal(1024 * 1024)


def quantity(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_quantity(str(value))
    except ValueError:
        return None


def memory_text(amount: Decimal) -> str:
    """Whole mebibytes (Gi when exact): "64Mi", "2Gi"."""
    mebibytes = math.ceil(amount / MI)
    return f"{mebibytes // 1024}Gi" if mebibytes % 1024 == 0 else f"{mebibytes}Mi"


def cpu_text(cores: Decimal) -> str:
    """Whole cores when exact, else millicores: "2", "500m"."""
    millis = int(cores * 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def amount_text(resource: str, amount: Decimal) -> str:
    return cpu_text(amount) if resource == "cpu" else memory_text(amount)
