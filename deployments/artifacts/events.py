"""Events of artifacts (topic `artifact:<id>`, the artifact's team), on the global stream."""

from typing import Any

from django.utils import timezone

from deployments.events import emit
from deployments.models.artifacts import Artifact, ArtifactRevision, ArtifactStage

STATUS_CHANGED = "artifact.status_changed"
REVISION_CHANGED = "artifact.revision_changed"
STAGE_CHANGED = "artifact.stage_changed"
LOG = "artifact.log"
DELETED = "artifact.deleted"


def artifact_topic(artifact_id: int) -> str:
    return f"artifact:{artifact_id}"


def _now() -> str:
    return timezone.now().isoformat()


def status_changed(artifact: Artifact, previous: str | None) -> None:
    payload: dict[str, Any] = {
        "artifact_id": artifact.pk, "status": artifact.status, "previous": previous,
        "revision": artifact.current_revision, "timestamp": _now(),
    }
    if artifact.error:
        payload["error"] = artifact.error
    if artifact.url:
        payload["url"] = artifact.url
    emit(artifact.team_id, artifact_topic(artifact.pk), STATUS_CHANGED, payload)


def revision_changed(team_id: int, revision: ArtifactRevision, previous: str | None) -> None:
    payload: dict[str, Any] = {
        "artifact_id": revision.artifact_id, "revision": revision.number,
        "status": revision.status, "previous": previous, "timestamp": _now(),
    }
    if revision.reason:
        payload["reason"] = revision.reason
    if revision.error:
        payload["error"] = revision.error
    emit(team_id, artifact_topic(revision.artifact_id), REVISION_CHANGED, payload)


def stage_changed(team_id: int, artifact_id: int, number: int, stage: ArtifactStage) -> None:
    emit(team_id, artifact_topic(artifact_id), STAGE_CHANGED, {
        "artifact_id": artifact_id, "revision": number, "stage": stage.name,
        "status": stage.status, "progress": stage.progress, "message": stage.message,
        "started_at": stage.started_at.isoformat() if stage.started_at else None,
        "ended_at": stage.ended_at.isoformat() if stage.ended_at else None,
    })


def log_lines(team_id: int, artifact_id: int, number: int, stage: str,
              lines: list[tuple[int, str]]) -> None:
    emit(team_id, artifact_topic(artifact_id), LOG, {
        "artifact_id": artifact_id, "revision": number, "stage": stage,
        "lines": [{"seq": seq, "line": line} for seq, line in lines],
    })


def deleted(team_id: int, artifact_id: int, name: str) -> None:
    emit(team_id, artifact_topic(artifact_id), DELETED,
         {"artifact_id": artifact_id, "name": name, "timestamp": _now()})
