"""Image pulls: ErrImagePull / ImagePullBackOff with the kubelet's words, and a known-good
image from the last version in which this node ran healthy."""

from __future__ import annotations

from deployments.diagnostics.evidence import events_view
from deployments.diagnostics.history import last_healthy
from deployments.diagnostics.model import Check, Fix, PatchOp, error, node_path, passed
from deployments.diagnostics.podstate import ContainerState, matching
from deployments.diagnostics.registry import WORKLOADS, register
from deployments.diagnostics.subject import Subject

PULL_REASONS = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)


def _pull_failing(state: ContainerState) -> bool:
    return state.waiting.get("reason") in PULL_REASONS


@register(*WORKLOADS)
def image_pull(subject: Subject) -> list[Check]:
    if subject.live() is None or not subject.pods():
        return []
    image = str(subject.data.get("image"))
    failing = matching(subject, _pull_failing)
    if not failing:
        return [passed("pods.image", f"image {image} was pulled", image=image)]
    first = failing[0]
    pods = sorted({state.pod_name for state in failing})
    kubelet_message = str(first.waiting.get("message") or "")
    events = events_view(subject.events_about("Pod", set(pods)), "Failed", "BackOff")
    # In back-off the kubelet only says "Back-off pulling image"; the registry's answer is in
    # the last "Failed to pull image" event.
    pull_error = next(
        (str(e["message"]) for e in reversed(events) if "Failed to pull" in str(e["message"])),
        kubelet_message,
    )
    fix, advice = _known_good_image(subject, image, pull_error)
    return [
        error(
            "pods.image",
            f"cannot pull image {image}: {first.waiting.get('reason')}. {advice}",
            fix,
            image=image,
            pods=pods,
            container=first.container,
            reason=first.waiting.get("reason"),
            kubelet_message=kubelet_message,
            pull_error=pull_error,
            events=events,
        )
    ]


def _known_good_image(subject: Subject, image: str, message: str) -> tuple[Fix | None, str]:
    healthy = last_healthy(subject.workflow, subject.node_id, subject.kind)
    if healthy is None or not healthy.data.get("image"):
        where = (
            "the registry host cannot be resolved"
            if "no such host" in message
            else (
                "the tag does not exist in the registry"
                if "not found" in message
                else "the registry refused the pull"
            )
        )
        return None, (
            f"{where.capitalize()}, and no earlier version of this node ran healthy, so "
            "there is no known-good image to propose: check the image name and tag"
        )
    good = str(healthy.data["image"])
    if good == image:
        return None, (
            f"This same image ran healthy in version {healthy.version}: the registry may be "
            "unreachable or need credentials (imagePullSecrets)"
        )
    fix = Fix(
        "image.last-healthy",
        f"use {good}, the image this node ran healthy with in version {healthy.version}",
        (PatchOp(node_path(subject.node_id, "image"), subject.raw_data().get("image"), good),),
    )
    return fix, f"Version {healthy.version} ran healthy with {good}"
