"""The single entry point: ``assess(obj, pods=..., related=..., options=...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Importing the kind modules fills the registry through their @register decorators.
from . import (  # noqa: F401
    cronjob,
    daemonset,
    deployment,
    hpa,
    ingress,
    job,
    passive,
    pod,
    pvc,
    replicaset,
    service,
    statefulset,
)
from .fields import api_group, as_list, dig
from .generic import assess_generic
from .model import Context, Health, HealthOptions, HealthStatus, progressing, unknown
from .registry import lookup

_DEFAULT_OPTIONS = HealthOptions()


def assess(
    obj: dict[str, Any] | None,
    *,
    pods: Sequence[dict[str, Any]] = (),
    related: Sequence[dict[str, Any]] = (),
    options: HealthOptions = _DEFAULT_OPTIONS,
) -> Health:
    """Assess one Kubernetes object. Pure: reads only its arguments, never the cluster.

    ``obj`` is the object as returned by the API (``None``: it does not exist).
    ``pods`` are the pods owned/selected by a workload; they explain why it is not ready.
    ``related`` are other already-fetched objects some kinds use: Jobs for a CronJob,
    Endpoints/EndpointSlices for a Service, the StorageClass (or Events) for a PVC.
    """
    if obj is None:
        return Health(HealthStatus.MISSING, "not found in the cluster", {})
    if not isinstance(obj, Mapping) or not obj.get("kind"):
        return unknown("not a Kubernetes object (no kind)")
    deletion = dig(obj, "metadata", "deletionTimestamp")
    if deletion:
        return _terminating(obj, str(deletion))
    assessor = lookup(api_group(obj), str(obj["kind"])) or assess_generic
    ctx = Context(pods=tuple(pods), related=tuple(related), options=options)
    try:
        return assessor(obj, ctx)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        # A malformed object must not take the canvas down; say we cannot tell instead.
        return unknown(f"could not assess {obj['kind']}: {error}")


def _terminating(obj: Mapping[str, Any], since: str) -> Health:
    finalizers = [str(f) for f in as_list(dig(obj, "metadata", "finalizers"))]
    message = "being deleted"
    if finalizers:
        message += f", waiting for finalizers: {', '.join(finalizers)}"
    return progressing(message, deletion_timestamp=since, finalizers=finalizers)
