"""The one transition authority for artifacts and their revisions.

Every write happens under the artifact's row lock and is a compare-and-swap on the state the
decision was made on (`UPDATE ... WHERE id = ? AND status = <seen>`), so two workers, a user's
cancel and a late callback are ordered, and none can move a record backwards:

* asking for the state a revision is already in is a duplicate: no write, no event;
* a move the transition table (the `@transition`s in deployments/models/artifacts.py) does not
  allow is a 409 `illegal_transition` naming the current state;
* otherwise the revision moves, and the artifact's status mirrors it when it is the newest
  revision. Events are emitted on commit.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from deployments.artifacts import events
from deployments.models.artifacts import (
    Artifact,
    ArtifactRevision,
    ArtifactStage,
    ArtifactStatus,
    RevisionStatus,
    StageStatus,
)
from kubeorch.errors import Conflict

FINAL_REVISION_STATUSES = (RevisionStatus.RETIRED, RevisionStatus.FAILED,
                           RevisionStatus.CANCELLED)


@dataclass(frozen=True)
class Moved:
    revision: ArtifactRevision
    changed: bool


def reload(revision: ArtifactRevision) -> ArtifactRevision:
    """A fresh copy (a protected FSM field cannot be refreshed in place)."""
    return ArtifactRevision.objects.select_related("artifact__cluster").get(pk=revision.pk)


def _allowed(instance: Any, to: str) -> bool:
    return any(t.target == to for t in instance.get_available_status_transitions())


def illegal(what: str, pk: int, current: str, to: str, why: str = "") -> Conflict:
    return Conflict(
        why or f"{what} {pk} is {current}; {current} -> {to} is not allowed",
        code="illegal_transition",
        extra={"record": what, "id": pk, "status": current, "to": to},
    )


def lock_artifact(artifact_id: int) -> Artifact:
    """The artifact row, locked until the transaction ends: every write of an artifact and its
    revisions is serialized on it."""
    return Artifact.objects.select_for_update().get(pk=artifact_id)


def move_revision(revision_id: int, to: str, *, reason: str = "",
                  error: dict[str, Any] | None = None, **fields: Any) -> Moved:
    """Move a revision (and mirror its artifact); see the module's rule."""
    with transaction.atomic():
        artifact_id = ArtifactRevision.objects.values_list("artifact_id", flat=True).get(
            pk=revision_id)
        artifact = lock_artifact(artifact_id)
        revision = ArtifactRevision.objects.get(pk=revision_id)
        if revision.status == to:
            return Moved(revision, False)
        if not _allowed(revision, to):
            raise illegal("revision", revision.number, revision.status, to,
                          f"revision {revision.number} of artifact {artifact.pk} is "
                          f"{revision.status}; {revision.status} -> {to} is not allowed")
        before = revision.status
        changes: dict[str, Any] = {"status": to, **fields}
        if reason:
            changes["reason"] = reason
        if error is not None:
            changes["error"] = error
        if to in FINAL_REVISION_STATUSES or to == RevisionStatus.RUNNING:
            changes.setdefault("finished_at", timezone.now())
        if to == RevisionStatus.RUNNING:
            _retire_serving(artifact, revision)
        if ArtifactRevision.objects.filter(pk=revision.pk, status=before).update(**changes) != 1:
            raise Conflict(f"revision {revision.number} changed under the lock; retry",
                           code="contended")
        revision = reload(revision)
        events.revision_changed(artifact.team_id, revision, before)
        _mirror(artifact, revision)
        return Moved(revision, True)


def _retire_serving(artifact: Artifact, incoming: ArtifactRevision) -> None:
    serving = ArtifactRevision.objects.filter(
        artifact=artifact, status=RevisionStatus.RUNNING).exclude(pk=incoming.pk).first()
    if serving is not None:
        ArtifactRevision.objects.filter(pk=serving.pk, status=RevisionStatus.RUNNING).update(
            status=RevisionStatus.RETIRED, reason=f"replaced by revision {incoming.number}",
            finished_at=timezone.now())
        serving = reload(serving)
        events.revision_changed(artifact.team_id, serving, RevisionStatus.RUNNING)


def _mirror(artifact: Artifact, revision: ArtifactRevision) -> None:
    """The artifact shows its newest revision's state; a running revision also becomes what the
    artifact serves, whichever revision it is."""
    changes: dict[str, Any] = {}
    if revision.status == RevisionStatus.RUNNING:
        changes.update(serving_revision=revision.number, url=revision.url,
                       image_ref=revision.image_ref)
    newest = revision.number == artifact.current_revision
    status = revision.status if newest and revision.status != RevisionStatus.RETIRED else None
    if status is not None and status != artifact.status:
        if not _allowed(artifact, status):
            raise illegal("artifact", artifact.pk, artifact.status, status)
        changes["status"] = status
        changes["error"] = revision.error if status == ArtifactStatus.FAILED else {}
    if not changes:
        return
    before = artifact.status
    Artifact.objects.filter(pk=artifact.pk, status=before).update(
        **changes, updated_at=timezone.now())
    artifact = Artifact.objects.get(pk=artifact.pk)
    if artifact.status != before:
        events.status_changed(artifact, before)


def submit(artifact: Artifact) -> None:
    """A new revision became the newest (the caller holds the row lock)."""
    before = artifact.status
    Artifact.objects.filter(pk=artifact.pk).update(
        status=ArtifactStatus.PENDING, current_revision=artifact.current_revision, error={},
        updated_at=timezone.now())
    artifact = Artifact.objects.get(pk=artifact.pk)
    if before != artifact.status:
        events.status_changed(artifact, before)


def set_stage(revision: ArtifactRevision, team_id: int, name: str, status: str, *,
              progress: int | None = None, message: str | None = None) -> ArtifactStage:
    """Record a stage's progress; it never goes back from an ended state."""
    now = timezone.now()
    stage, _ = ArtifactStage.objects.get_or_create(revision=revision, name=name)
    ended = {StageStatus.SUCCEEDED, StageStatus.FAILED, StageStatus.CANCELLED,
             StageStatus.SKIPPED}
    if stage.status in ended:
        return stage
    stage.status = status
    if status == StageStatus.RUNNING and stage.started_at is None:
        stage.started_at = now
    if status in ended:
        stage.ended_at = now
        stage.progress = 100 if status in (StageStatus.SUCCEEDED, StageStatus.SKIPPED) \
            else stage.progress
    if progress is not None:
        stage.progress = max(stage.progress, min(progress, 100))
    if message is not None:
        stage.message = message
    stage.save()
    events.stage_changed(team_id, revision.artifact_id, revision.number, stage)
    return stage
