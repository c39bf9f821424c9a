"""NetworkPolicy: the pods it actually protects (a selector matching nothing protects
nothing, silently)."""

from __future__ import annotations

from deployments.cluster import selectors
from deployments.diagnostics.evidence import pod_names
from deployments.diagnostics.model import Check, passed, warn
from deployments.diagnostics.registry import register
from deployments.diagnostics.subject import Subject
from deployments.health.fields import dig


@register("networkpolicy")
def selects_pods(subject: Subject) -> list[Check]:
    live = subject.live()
    if live is None:
        return []
    pod_selector = dig(live, "spec", "podSelector") or {}
    query = selectors.to_label_selector(pod_selector)  # None: {} selects every pod
    pods = subject.cluster().list("v1", "Pod", namespace=subject.namespace, label_selector=query)
    evidence = {
        "pod_selector": pod_selector,
        "pods": pod_names(pods),
        "policy_types": dig(live, "spec", "policyTypes"),
    }
    if not pods:
        return [
            warn(
                "networkpolicy.pods",
                "selects no pods yet: it protects nothing until the connected workloads run",
                **evidence,
            )
        ]
    return [passed("networkpolicy.pods", f"applies to {len(pods)} pod(s)", **evidence)]
