"""Celery tasks of artifacts: they take ids, re-fetch and delegate. Safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from deployments.artifacts import cleanup, pipeline
from deployments.models.artifacts import ArtifactRevision, RevisionStatus

DELETE_RETRY_SECONDS = 1.0


@shared_task(name="deployments.artifacts.process_revision", acks_late=True, ignore_result=True)
def process_revision(revision_id: int) -> None:
    pipeline.process(revision_id)


@shared_task(name="deployments.artifacts.finish_delete", acks_late=True, ignore_result=True)
def finish_delete(artifact_id: int) -> None:
    if not cleanup.finish_delete(artifact_id):
        finish_delete.apply_async(args=[artifact_id], countdown=DELETE_RETRY_SECONDS)


@shared_task(name="deployments.artifacts.reap", ignore_result=True)
def reap() -> dict[str, int]:
    """Nothing stays in flight without a worker: lost builds fail, lost wake-ups of waiting
    revisions are sent again, and interrupted deletes finish."""
    from deployments.artifacts.actions import enqueue
    from deployments.models.artifacts import Artifact

    now = timezone.now()
    woken = 0
    for revision_id in ArtifactRevision.objects.filter(
            status=RevisionStatus.PENDING, deployment_record__isnull=True,
            not_before__lt=now - timedelta(seconds=30)).exclude(
            lease_expires_at__gt=now).values_list("pk", flat=True):
        enqueue(revision_id, 0)
        woken += 1
    deleting = 0
    for artifact_id in Artifact.objects.filter(
            status="deleted", updated_at__lt=now - timedelta(seconds=30)).values_list(
            "pk", flat=True):
        finish_delete.delay(artifact_id)
        deleting += 1
    return {"failed_builds": cleanup.fail_lost_builds(), "woken": woken, "deleting": deleting}
