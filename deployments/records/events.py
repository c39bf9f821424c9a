"""`state_transition` events of deployment records (topic `deployment:<id>`, the record's team)."""

from typing import Any

from django.utils import timezone

from deployments.events import emit
from deployments.models import Attempt, Deployment

STATE_TRANSITION = "state_transition"


def deployment_topic(deployment_id: int) -> str:
    return f"deployment:{deployment_id}"


def deployment_changed(
    deployment: Deployment, before: str | None, before_phase: str | None
) -> None:
    payload: dict[str, Any] = {
        "record": "deployment",
        "id": deployment.pk,
        "target": deployment.target,
        "from": before,
        "to": deployment.status,
        "phase": deployment.phase,
        "at": timezone.now().isoformat(),
    }
    if before_phase is not None and before_phase != deployment.phase:
        payload["phase_from"] = before_phase
    if deployment.version is not None:
        payload["version"] = deployment.version
    if deployment.error:
        payload["error"] = deployment.error
    emit(deployment.team_id, deployment_topic(deployment.pk), STATE_TRANSITION, payload)


def attempt_changed(attempt: Attempt, team_id: int, before: str | None) -> None:
    payload: dict[str, Any] = {
        "record": "attempt",
        "id": attempt.pk,
        "deployment_id": attempt.deployment_id,
        "number": attempt.number,
        "from": before,
        "to": attempt.status,
        "at": timezone.now().isoformat(),
    }
    if attempt.error:
        payload["error"] = attempt.error
    if attempt.evidence:
        payload["evidence"] = attempt.evidence
    emit(team_id, deployment_topic(attempt.deployment_id), STATE_TRANSITION, payload)
