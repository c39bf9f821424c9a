"""Every mutation of artifacts: deploy, update, rollback, cancel, delete.

Each runs in one transaction under the artifact's row lock, so revision numbers are unique and
gap-free however many requests race, and emits its events on commit. The pipeline (a Celery task
per revision) is enqueued on commit as well, after the debounce window.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from deployments.artifacts import events, source, states
from deployments.models.artifacts import (
    STAGE_ORDER,
    SUPERSEDABLE,
    Artifact,
    ArtifactRevision,
    ArtifactStage,
    ArtifactStatus,
    RevisionStatus,
)
from kubeorch.errors import Conflict, FieldError, InvalidInput, NotFound
from workflows.models import Cluster
from workflows.permissions import WRITE, require


@dataclass
class Options:
    """What a deploy or update may set; None keeps the previous revision's value."""

    port: int | None = None
    env: dict[str, str] | None = None
    secrets: dict[str, str] | None = None
    secret_refs: list[dict[str, str]] | None = None
    files: source.Files | None = None


def debounce() -> timedelta:
    return timedelta(seconds=settings.KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS)


def deploy_artifact(actor: Any, cluster: Cluster, name: str, namespace: str, host: str,
                    options: Options) -> ArtifactRevision:
    """A new artifact and its revision 1, pending; the pipeline starts after the debounce."""
    require(actor, cluster.team_id, WRITE, "artifacts on this cluster")
    files = options.files
    if files is None:
        raise InvalidInput("files: required", [FieldError("files", "required")])
    digest, language = _accept_source(files)
    port = options.port or language.port
    try:
        with transaction.atomic():
            artifact = Artifact.objects.create(
                team_id=cluster.team_id, owner=actor, name=name, cluster=cluster,
                namespace=namespace, host=host, current_revision=1)
            revision = _new_revision(artifact, actor, 1, digest=digest, language=language.name,
                                     port=port, env=options.env or {},
                                     secrets=options.secrets or {},
                                     secret_refs=options.secret_refs or [])
    except IntegrityError:
        existing = Artifact.objects.filter(team_id=cluster.team_id, name=name).exclude(
            status=ArtifactStatus.DELETED).values_list("pk", flat=True).first()
        raise Conflict(
            f"artifact {name!r} already exists in this team (id {existing}); update it instead",
            code="artifact_exists", extra={"field": "name", "artifact_id": existing},
        ) from None
    return revision


def update_artifact(actor: Any, artifact: Artifact, options: Options) -> ArtifactRevision:
    """A new revision (new files and/or options); older ones not deploying yet are superseded."""
    require(actor, artifact.team_id, WRITE, "this artifact")
    accepted = _accept_source(options.files) if options.files is not None else None
    with transaction.atomic():
        artifact = _lock_live(artifact.pk)
        previous = artifact.revisions.get(number=artifact.current_revision)
        digest, language = (accepted[0], accepted[1].name) if accepted else \
            (previous.source_digest, previous.language)
        if not digest:
            raise Conflict(f"revision {previous.number} is a rollback with no source of its "
                           f"own; send files", code="source_required", extra={"field": "files"})
        # A new language brings its own default port; otherwise the previous port stays.
        relanguaged = accepted is not None and accepted[1].name != previous.language
        default_port = accepted[1].port if accepted and relanguaged else previous.port
        return _next_revision(
            artifact, actor, digest=digest, language=language,
            port=options.port or default_port,
            env=previous.env if options.env is None else options.env,
            secrets=previous.secrets if options.secrets is None else options.secrets,
            secret_refs=previous.secret_refs if options.secret_refs is None
            else options.secret_refs)


def rollback_artifact(actor: Any, artifact: Artifact, number: int) -> ArtifactRevision:
    """Redeploy a retained image as a new revision: no fetch, no build, no debounce."""
    require(actor, artifact.team_id, WRITE, "this artifact")
    with transaction.atomic():
        artifact = _lock_live(artifact.pk)
        target = artifact.revisions.filter(number=number).first()
        if target is None:
            raise InvalidInput(f"revision: artifact {artifact.pk} has no revision {number}",
                               [FieldError("revision", f"no revision {number}")])
        if not target.image_ref or target.status not in (RevisionStatus.RUNNING,
                                                         RevisionStatus.RETIRED):
            raise Conflict(
                f"revision {number} is {target.status} and never served, so it has no image "
                f"to redeploy; roll back to a revision that ran", code="not_rollbackable",
                extra={"field": "revision", "status": target.status})
        return _next_revision(
            artifact, actor, digest=target.source_digest, language=target.language,
            port=target.port, env=target.env, secrets=target.secrets,
            secret_refs=target.secret_refs, image_ref=target.image_ref, rollback_of=number)


def cancel_artifact(actor: Any, artifact: Artifact) -> list[ArtifactRevision]:
    """Cancel every revision in flight. Build Jobs are deleted and a cancelled deploy restores
    the previous revision's workload (the pipeline does the cluster part, see pipeline.py)."""
    require(actor, artifact.team_id, WRITE, "this artifact")
    with transaction.atomic():
        artifact = _lock_live(artifact.pk)
        flying = list(artifact.revisions.filter(
            status__in=[*SUPERSEDABLE, RevisionStatus.DEPLOYING]).order_by("number"))
        if not flying:
            raise Conflict(f"artifact {artifact.pk} is {artifact.status}: nothing to cancel",
                           code="illegal_transition", extra={"status": artifact.status})
        cancelled = [_cancel(revision, "cancelled by user") for revision in flying]
    from deployments.artifacts import cleanup

    transaction.on_commit(lambda: cleanup.after_cancel(artifact.pk, [r.pk for r in cancelled]))
    return cancelled


def _cancel(revision: ArtifactRevision, reason: str) -> ArtifactRevision:
    ArtifactRevision.objects.filter(pk=revision.pk).update(cancel_requested=True)
    return states.move_revision(revision.pk, RevisionStatus.CANCELLED, reason=reason).revision


def mark_deleted(actor: Any, artifact: Artifact) -> Artifact:
    """First half of delete: the artifact is `deleted` and every revision stops."""
    require(actor, artifact.team_id, WRITE, "this artifact")
    with transaction.atomic():
        artifact = _lock_live(artifact.pk)
        for revision in artifact.revisions.filter(
                status__in=[*SUPERSEDABLE, RevisionStatus.DEPLOYING]):
            _cancel(revision, "artifact deleted")
        before = artifact.status
        Artifact.objects.filter(pk=artifact.pk).update(status=ArtifactStatus.DELETED,
                                                       updated_at=timezone.now())
        artifact = Artifact.objects.get(pk=artifact.pk)
        events.status_changed(artifact, before)
    return artifact


def _lock_live(artifact_id: int) -> Artifact:
    artifact = states.lock_artifact(artifact_id)
    if artifact.status == ArtifactStatus.DELETED:
        raise NotFound(f"artifact {artifact_id} was deleted")
    return artifact


def _accept_source(files: source.Files) -> tuple[str, source.Language]:
    """Validate, detect, check the context fits the build, and store: before any row exists."""
    files = source.check_files(files)
    language = source.detect(files)
    source.build_context(files, language)
    return source.store(files), language


def _next_revision(artifact: Artifact, actor: Any, **fields: Any) -> ArtifactRevision:
    number = artifact.current_revision + 1
    for older in artifact.revisions.filter(status__in=SUPERSEDABLE):
        _cancel(older, f"superseded by revision {number}")
    artifact.current_revision = number
    revision = _new_revision(artifact, actor, number, **fields)
    states.submit(artifact)
    return revision


def _new_revision(artifact: Artifact, actor: Any, number: int, *, digest: str, language: str,
                  port: int, env: dict, secrets: dict, secret_refs: list,
                  image_ref: str = "", rollback_of: int | None = None) -> ArtifactRevision:
    now = timezone.now()
    revision = ArtifactRevision.objects.create(
        artifact=artifact, number=number, source_digest=digest, language=language, port=port,
        env=env, secrets=secrets, secret_refs=secret_refs, image_ref=image_ref,
        rollback_of=rollback_of, created_by=actor,
        not_before=now if rollback_of else now + debounce())
    ArtifactStage.objects.bulk_create(
        ArtifactStage(revision=revision, name=name) for name in STAGE_ORDER)
    if number == 1:
        events.status_changed(artifact, None)
    events.revision_changed(artifact.team_id, revision, None)
    delay = 0.0 if rollback_of else debounce().total_seconds()
    transaction.on_commit(lambda: enqueue(revision.pk, delay))
    return revision


def enqueue(revision_id: int, delay: float) -> None:
    from deployments.artifacts.tasks import process_revision

    process_revision.apply_async(args=[revision_id], countdown=delay)
