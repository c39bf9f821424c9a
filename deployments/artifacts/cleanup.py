"""How a revision ends when it does not end running: cancelled, failed, lost; and how an
artifact is deleted. The cluster is always left serving the previous revision (or nothing)."""

import contextlib
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from deployments.artifacts import build, events, source, states
from deployments.artifacts.serving import for_cluster
from deployments.cluster import ClusterError
from deployments.clusters import client_for
from deployments.models import Deployment
from deployments.models.artifacts import (
    Artifact,
    ArtifactRevision,
    ArtifactStage,
    RevisionStatus,
    StageStatus,
)
from deployments.models.records import OPEN_ATTEMPT_STATUSES, AttemptStatus, DeploymentStatus
from deployments.records import authority
from kubeorch.errors import Conflict

log = logging.getLogger(__name__)


def _revision(revision_id: int) -> ArtifactRevision | None:
    return (ArtifactRevision.objects.select_related("artifact__cluster")
            .filter(pk=revision_id).first())


def restore_previous(artifact: Artifact, revision: ArtifactRevision) -> None:
    """Put the serving revision's template back (its ReplicaSet never scaled down; on Knative,
    its revision name re-selects the revision that kept the traffic)."""
    serving = artifact.revisions.filter(status=RevisionStatus.RUNNING).exclude(
        pk=revision.pk).first()
    client = client_for(artifact.cluster)
    if serving is not None:
        for_cluster(client).apply(client, artifact, serving)
    elif artifact.status == "deleted":
        for_cluster(client).remove_all(client, artifact)


def _close_record(revision: ArtifactRevision, to: str, error: str = "") -> None:
    record_id = revision.deployment_record_id
    if record_id is None:
        return
    with contextlib.suppress(Conflict):  # unknown attempts wait for reconcile
        authority.transition_deployment(record_id, to, error=error)


def _end_stages(revision: ArtifactRevision, status: str) -> None:
    now = timezone.now()
    for stage in ArtifactStage.objects.filter(
            revision=revision, status__in=[StageStatus.PENDING, StageStatus.RUNNING]):
        was_running = stage.status == StageStatus.RUNNING
        stage.status = status if was_running else StageStatus.CANCELLED
        stage.ended_at = now
        stage.save(update_fields=["status", "ended_at"])
        if was_running:
            events.stage_changed(revision.artifact.team_id, revision.artifact_id,
                                 revision.number, stage)


def settle_cancelled(revision_id: int, worker_id: str) -> None:
    revision = _revision(revision_id)
    if revision is None:
        return
    if revision.status != RevisionStatus.CANCELLED and not revision.cancel_requested:
        return  # the lease was lost: the attempt is unknown; reconcile decides
    with contextlib.suppress(Conflict):
        states.move_revision(revision.pk, RevisionStatus.CANCELLED, reason="cancelled by user")
    revision = states.reload(revision)
    _end_stages(revision, StageStatus.CANCELLED)
    _clean_cluster(revision)
    _close_record(revision, DeploymentStatus.CANCELLED, revision.reason or "cancelled")


def _clean_cluster(revision: ArtifactRevision) -> None:
    artifact = revision.artifact
    client = client_for(artifact.cluster)
    try:
        client.delete("batch/v1", "Job", build.job_name(artifact, revision.number),
                      artifact.namespace, propagation="Foreground")
        stage = ArtifactStage.objects.filter(revision=revision, name="deploy").first()
        if stage is not None and stage.started_at is not None:
            restore_previous(artifact, revision)
    except ClusterError:
        log.warning("could not clean up after revision %s", revision.pk, exc_info=True)


def settle_failed(revision_id: int, worker_id: str, error: dict[str, Any]) -> None:
    revision = _revision(revision_id)
    if revision is None:
        return
    try:
        states.move_revision(revision.pk, RevisionStatus.FAILED, error=error)
    except Conflict:
        revision = states.reload(revision)
        if revision.status == RevisionStatus.CANCELLED:
            settle_cancelled(revision_id, worker_id)
        return
    revision = states.reload(revision)
    _end_stages(revision, StageStatus.FAILED)
    if error.get("stage") == "deploy":
        try:
            restore_previous(revision.artifact, revision)
        except ClusterError:
            log.warning("could not restore the previous revision", exc_info=True)
    _close_record(revision, DeploymentStatus.FAILED, f"{error['stage']}: {error['reason']}")


def after_cancel(artifact_id: int, revision_ids: list[int]) -> None:
    """A cancel does not wait for the worker: build Jobs go at once, and revisions that never
    reached a worker release nothing. A worker settles its own revision within a second."""
    for revision in ArtifactRevision.objects.select_related("artifact__cluster").filter(
            pk__in=revision_ids):
        if revision.deployment_record_id is None:
            continue
        with contextlib.suppress(ClusterError):
            client_for(revision.artifact.cluster).delete(
                "batch/v1", "Job", build.job_name(revision.artifact, revision.number),
                revision.artifact.namespace, propagation="Foreground")


def record_settled(record: Deployment) -> None:
    """After reconcile or a forced teardown of an artifact's record: move its revision the way
    the attempt was settled (ready: it runs; failed: it failed, the previous one serves)."""
    revision = ArtifactRevision.objects.filter(
        deployment_record=record, status__in=[RevisionStatus.BUILDING, RevisionStatus.BUILT,
                                              RevisionStatus.DEPLOYING]).first()
    attempt = record.attempts.order_by("-number").first()
    if revision is None or attempt is None:
        return
    if attempt.status == AttemptStatus.READY and revision.status == RevisionStatus.DEPLOYING:
        with contextlib.suppress(Conflict):
            authority.transition_deployment(record.pk, DeploymentStatus.ACTIVE)
        states.move_revision(revision.pk, RevisionStatus.RUNNING)
    elif attempt.status == AttemptStatus.FAILED:
        reason = attempt.error or "the worker was lost"
        settle_failed(revision.pk, "", {"stage": _stage_of(revision), "reason": reason,
                                        "details": []})


def _stage_of(revision: ArtifactRevision) -> str:
    running = ArtifactStage.objects.filter(revision=revision, status=StageStatus.RUNNING).first()
    return running.name if running else "deploy"


def fail_lost_builds() -> int:
    """A worker lost before deploying changed nothing that serves: its revision fails (and the
    record with it) at once, instead of waiting for a reconcile."""
    lost = ArtifactRevision.objects.filter(
        status__in=[RevisionStatus.BUILDING, RevisionStatus.BUILT],
        deployment_record__attempts__status=AttemptStatus.UNKNOWN)
    count = 0
    for revision in lost.select_related("artifact__cluster"):
        record_id = revision.deployment_record_id
        assert record_id is not None
        with contextlib.suppress(Conflict):
            authority.transition_attempt(record_id, 1, AttemptStatus.FAILED, settling=True,
                                         error="worker lost during the build")
        _clean_cluster(revision)
        settle_failed(revision.pk, "", {"stage": _stage_of(revision),
                                        "reason": "the worker was lost during the build",
                                        "details": []})
        count += 1
    return count


def finish_delete(artifact_id: int) -> bool:
    """Second half of delete, once no worker holds the artifact: the cluster objects, the
    stored source and the record go; `artifact.deleted` is emitted. False: try again later."""
    artifact = Artifact.objects.select_related("cluster").filter(
        pk=artifact_id, status="deleted").first()
    if artifact is None:
        return True
    busy = Deployment.objects.filter(target=artifact.target, cluster=artifact.cluster,
                                     status=DeploymentStatus.IN_PROGRESS,
                                     attempts__status=AttemptStatus.DEPLOYING).exists()
    if busy:
        return False
    client = client_for(artifact.cluster)
    for_cluster(client).remove_all(client, artifact)
    _end_records(artifact)
    digests = set(artifact.revisions.values_list("source_digest", flat=True)) - {""}
    with transaction.atomic():
        events.deleted(artifact.team_id, artifact.pk, artifact.name)
        artifact.delete()
    shared = set(ArtifactRevision.objects.filter(source_digest__in=digests).values_list(
        "source_digest", flat=True))
    for digest in digests - shared:
        source.remove(digest)
    return True


def _end_records(artifact: Artifact) -> None:
    for record in Deployment.objects.filter(
            target=artifact.target, cluster=artifact.cluster,
            status__in=[DeploymentStatus.IN_PROGRESS, DeploymentStatus.ACTIVE]):
        for attempt in record.attempts.filter(status__in=OPEN_ATTEMPT_STATUSES):
            with contextlib.suppress(Conflict):
                authority.transition_attempt(record.pk, attempt.number, AttemptStatus.FAILED,
                                             settling=True, error="artifact deleted")
        to = (DeploymentStatus.SUCCEEDED if record.status == DeploymentStatus.ACTIVE
              else DeploymentStatus.CANCELLED)
        with contextlib.suppress(Conflict):
            authority.transition_deployment(record.pk, to, error="artifact deleted"
                                            if to == DeploymentStatus.CANCELLED else "")
