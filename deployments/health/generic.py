"""kstatus-style rules for kinds without a dedicated assessor (CRDs, operators...).

kstatus convention: Stalled=True means failed, Reconciling=True or Ready!=True means still
converging, Ready=True means current. Objects without any of these are healthy when present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import condition, condition_is, generation_lag, generation_message
from .model import Context, Health, degraded, healthy, progressing


def _condition_text(found: Mapping[str, Any], fallback: str) -> str:
    return str(found.get("message") or found.get("reason") or fallback)


def assess_generic(obj: Mapping[str, Any], ctx: Context) -> Health:
    lag = generation_lag(obj, observed_required=False)
    if lag is not None:
        return progressing(generation_message(lag))
    stalled = condition_is(obj, "Stalled", "True")
    if stalled is not None:
        return degraded(_condition_text(stalled, "stalled"), reason=stalled.get("reason"))
    reconciling = condition_is(obj, "Reconciling", "True")
    if reconciling is not None:
        return progressing(_condition_text(reconciling, "reconciling"))
    ready = condition(obj, "Ready")
    if ready is not None and ready.get("status") != "True":
        return progressing(_condition_text(ready, "not ready yet"), reason=ready.get("reason"))
    if ready is not None:
        return healthy(str(ready.get("message") or "ready"))
    return healthy("present")
