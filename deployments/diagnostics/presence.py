"""Is the node's object in the cluster, and do ConfigMaps/Secrets hold the keys they should?"""

from __future__ import annotations

from typing import Any

from deployments.diagnostics.model import Check, error, passed, warn
from deployments.diagnostics.registry import ALL_KINDS, register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig


@register(*ALL_KINDS)
def object_present(subject: Subject) -> list[Check]:
    checks = []
    for obj in subject.objects:
        live = subject.live(obj)
        where = f"{obj.k8s_kind} {obj.namespace}/{obj.name}"
        if live is None:
            checks.append(
                error(
                    "object.present",
                    f"{where} is not in the cluster: run the workflow to create it",
                    object=where,
                )
            )
            continue
        meta = live.get("metadata") or {}
        checks.append(
            passed(
                "object.present",
                f"{where} exists",
                object=where,
                uid=meta.get("uid"),
                created=meta.get("creationTimestamp"),
                resource_version=meta.get("resourceVersion"),
            )
        )
    return checks


def _key_check(subject: Subject, wanted: set[str], what: str) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    present = set(dig(live, "data") or {}) | set(dig(live, "binaryData") or {})
    missing = sorted(wanted - present)
    evidence: dict[str, Any] = {"expected_keys": sorted(wanted), "keys": sorted(present)}
    if missing:
        return [
            warn(
                "config.keys",
                f"the {what} lacks key(s) {', '.join(missing)}; pods reading them fail or "
                "see nothing",
                missing=missing,
                **evidence,
            )
        ]
    return [passed("config.keys", f"the {what} holds all {len(wanted)} key(s)", **evidence)]


@register("configmap")
def configmap_keys(subject: Subject) -> list[Check]:
    data = subject.data
    wanted = set(data.get("data") or {}) | set(data.get("binaryData") or {})
    return _key_check(subject, wanted, "ConfigMap")


@register("secret")
def secret_keys(subject: Subject) -> list[Check]:
    # Key names only: values never appear in diagnostics. `keys` are supplied at run time.
    data = subject.data
    wanted = set(data.get("data") or {}) | set(data.get("stringData") or {})
    wanted |= set(data.get("keys") or [])
    return _key_check(subject, wanted, "Secret")
