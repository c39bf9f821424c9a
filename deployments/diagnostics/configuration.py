"""Container configuration: CreateContainerConfigError, a Secret or ConfigMap (or one of its
keys) that a container references and the namespace does not have."""

from __future__ import annotations

from deployments.diagnostics.evidence import events_view
from deployments.diagnostics.model import Check, error, passed
from deployments.diagnostics.podstate import ContainerState, matching
from deployments.diagnostics.registry import WORKLOADS, register
from deployments.diagnostics.subject import Subject

REASONS = frozenset({"CreateContainerConfigError"})


def _config_failing(state: ContainerState) -> bool:
    return state.waiting.get("reason") in REASONS


@register(*WORKLOADS)
def container_config(subject: Subject) -> list[Check]:
    if subject.live() is None or not subject.pods():
        return []
    failing = matching(subject, _config_failing)
    if not failing:
        return [passed("pods.config", "every referenced Secret and ConfigMap key exists")]
    first = failing[0]
    pods = sorted({state.pod_name for state in failing})
    kubelet_message = str(first.waiting.get("message") or "")
    # No patch to propose: the value lives in the cluster (or in a run's trigger data), not in
    # the node's data.
    return [
        error(
            "pods.config",
            f"container {first.container} cannot start: {kubelet_message}. Create it in "
            f"namespace {subject.namespace}, connect a Secret or ConfigMap node that provides "
            "it, or supply the key's value when you run the workflow",
            None,
            pods=pods,
            container=first.container,
            reason=first.waiting.get("reason"),
            kubelet_message=kubelet_message,
            events=events_view(subject.events_about("Pod", set(pods)), "Failed"),
        )
    ]
