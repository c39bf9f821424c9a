"""The pipeline of one revision: fetch -> build -> push -> deploy.

It runs in a Celery task (tasks.py) that takes the revision id. It first takes the deployment
record lock for (artifact, cluster): at most one revision of an artifact is in the pipeline,
and the record's attempt carries the worker's lease (a kill -9 makes it `unknown`). A revision
that finds the lock held waits, re-enqueued, without holding a worker. Every state change goes
through states.py; cancellation is noticed within a fraction of a second by the Guard thread.
"""

import contextlib
import logging
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from deployments.artifacts import build, serving, source, states
from deployments.artifacts.logsink import LogSink
from deployments.clusters import client_for
from deployments.health.model import HealthStatus
from deployments.models.artifacts import (
    Artifact,
    ArtifactRevision,
    RevisionStatus,
    Stage,
    StageStatus,
)
from deployments.models.records import AttemptStatus, DeploymentPhase, DeploymentStatus
from deployments.records import authority
from deployments.records.leases import renew_lease
from kubeorch.errors import Conflict

log = logging.getLogger(__name__)


class Stop(Exception):
    """The revision was cancelled (by a user, a newer revision or a delete)."""


class Failed(Exception):
    def __init__(self, stage: str, reason: str, details: list[str] | None = None):
        super().__init__(reason)
        self.stage, self.reason, self.details = stage, reason, details or []


class Guard(threading.Thread):
    """Renews the attempt's lease and watches for cancellation while the pipeline works."""

    def __init__(self, revision_id: int, deployment_id: int, worker_id: str):
        super().__init__(daemon=True, name=f"artifact-revision-{revision_id}")
        self.revision_id, self.deployment_id, self.worker_id = (revision_id, deployment_id,
                                                                worker_id)
        self.stop = threading.Event()  # set: stop working (cancelled, or the lease is lost)
        self.halt = threading.Event()  # set: the pipeline is done

    def run(self) -> None:
        renew_every = max(1.0, authority.lease_duration().total_seconds() / 3)
        renewed = time.monotonic()
        try:
            while not self.halt.wait(0.3):
                status, cancel = ArtifactRevision.objects.values_list(
                    "status", "cancel_requested").get(pk=self.revision_id)
                if cancel or status == RevisionStatus.CANCELLED:
                    self.stop.set()
                if time.monotonic() - renewed >= renew_every:
                    renewed = time.monotonic()
                    try:
                        renew_lease(self.deployment_id, 1, self.worker_id)
                    except Conflict:
                        self.stop.set()
        finally:
            connections.close_all()


def process(revision_id: int) -> None:
    revision = (ArtifactRevision.objects.select_related("artifact__cluster")
                .filter(pk=revision_id).first())
    if revision is None or revision.status != RevisionStatus.PENDING:
        return  # deleted, cancelled, or another delivery of this task already has it
    wait = (revision.not_before - timezone.now()).total_seconds()
    if wait > 0:
        _later(revision, wait)
        return
    record = _take_lock(revision)
    if record is None:
        return
    Pipeline(revision, record).run()


def _later(revision: ArtifactRevision, delay: float) -> None:
    from deployments.artifacts.actions import enqueue

    # The lease of a waiting revision: the reaper re-enqueues it if this wake-up is lost.
    ArtifactRevision.objects.filter(pk=revision.pk).update(
        lease_expires_at=timezone.now() + authority.lease_duration()
        + timedelta(seconds=delay))
    enqueue(revision.pk, delay)


def _take_lock(revision: ArtifactRevision) -> Any:
    artifact = revision.artifact
    phase = DeploymentPhase.ACTIVATING if revision.rollback_of else DeploymentPhase.PREPARING
    try:
        record = authority.begin_deployment(None, artifact.cluster, artifact.target,
                                            artifact.namespace, version=f"r{revision.number}",
                                            object_name=artifact.name)
    except Conflict as busy:
        waited = (timezone.now() - revision.not_before).total_seconds()
        if waited > settings.KUBEORCH_ARTIFACT_LOCK_WAIT_SECONDS:
            holder = busy.extra.get("holder", {})
            _fail_unstarted(revision, f"deployment {holder.get('id')} of this artifact held the "
                                      f"deploy lock for {int(waited)} s ({busy.message})")
        else:
            _later(revision, 1.0)
        return None
    if phase != DeploymentPhase.PREPARING:
        authority.transition_deployment(record.pk, phase=phase)
    ArtifactRevision.objects.filter(pk=revision.pk).update(deployment_record=record)
    return record


def _fail_unstarted(revision: ArtifactRevision, reason: str) -> None:
    with contextlib.suppress(Conflict):  # cancelled meanwhile
        states.move_revision(revision.pk, RevisionStatus.FAILED,
                             error={"stage": Stage.FETCH, "reason": reason, "details": []})


class Pipeline:
    def __init__(self, revision: ArtifactRevision, record: Any):
        self.revision = revision
        self.artifact: Artifact = revision.artifact
        self.record = record
        self.worker_id = f"{settings.KUBEORCH_WORKER_NAME}:{uuid.uuid4().hex[:8]}"
        self.guard = Guard(revision.pk, record.pk, self.worker_id)
        self.sink = LogSink(revision, self.artifact.team_id)
        self.stage = Stage.FETCH.value

    def run(self) -> None:
        authority.transition_attempt(self.record.pk, 1, AttemptStatus.DEPLOYING,
                                     worker_id=self.worker_id)
        self.guard.start()
        try:
            self._run()
        except Stop:
            self._stopped()
        except Failed as failure:
            self._failed(failure)
        except Exception as exc:  # the revision must end, whatever broke
            log.exception("artifact revision %s failed", self.revision.pk)
            self._failed(Failed(self.stage, f"{type(exc).__name__}: {exc}"))
        finally:
            self.guard.halt.set()
            self.sink.flush()

    def _run(self) -> None:
        client = client_for(self.artifact.cluster)
        if self.revision.rollback_of:
            self._skip_build()
        else:
            self._move(RevisionStatus.BUILDING, started_at=timezone.now())
            blob = self._fetch()
            image = self._build(client, blob)
            self._move(RevisionStatus.BUILT, image_ref=image)
        self._deploy(client)

    def _move(self, to: str, **fields: Any) -> None:
        try:
            states.move_revision(self.revision.pk, to, **fields)
        except Conflict:
            self._check()
            raise
        self.revision = states.reload(self.revision)

    def _check(self) -> None:
        if self.guard.stop.is_set():
            raise Stop()
        self.revision = states.reload(self.revision)
        if self.revision.status == RevisionStatus.CANCELLED or self.revision.cancel_requested:
            raise Stop()

    def _stage(self, name: str, status: str, **kwargs: Any) -> None:
        if status == StageStatus.RUNNING:
            self.stage = name
        self.sink.flush()
        states.set_stage(self.revision, self.artifact.team_id, name, status, **kwargs)

    def _skip_build(self) -> None:
        for name in (Stage.FETCH, Stage.BUILD, Stage.PUSH):
            self._stage(name, StageStatus.SKIPPED,
                        message=f"rollback to revision {self.revision.rollback_of}: image "
                                f"{self.revision.image_ref} is reused")
        self._move(RevisionStatus.BUILT, started_at=timezone.now())

    def _fetch(self) -> bytes:
        self._stage(Stage.FETCH, StageStatus.RUNNING)
        try:
            files = source.load(self.revision.source_digest)
        except FileNotFoundError as exc:
            raise Failed(Stage.FETCH, str(exc)) from None
        language = source.detect(files)
        self.sink.line(Stage.FETCH, f"source {self.revision.source_digest}: {len(files)} files, "
                                    f"{sum(map(len, files.values()))} bytes")
        self.sink.line(Stage.FETCH, "using the Dockerfile from the source" if language.dockerfile
                       is None else f"detected a {language.name} app; generated a Dockerfile")
        blob = source.build_context(files, language)
        self._check()
        self._stage(Stage.FETCH, StageStatus.SUCCEEDED, message=f"{len(blob)} bytes of context")
        authority.transition_deployment(self.record.pk, phase=DeploymentPhase.BUILDING)
        return blob

    def _build(self, client: Any, blob: bytes) -> str:
        image = f"{build.image_repository(self.artifact)}:r{self.revision.number}"
        self._stage(Stage.BUILD, StageStatus.RUNNING, message=f"building {image}")
        runner = build.BuildRunner(client, self.artifact, self.revision, self._on_stage,
                                   self._on_line, self.guard.stop)
        result = runner.run(blob, image)
        if result.cancelled or self.guard.stop.is_set():
            runner.delete_job()
            raise Stop()
        if not result.ok:
            raise Failed(result.stage, result.reason, result.details)
        self._stage(Stage.PUSH, StageStatus.SUCCEEDED, message=f"pushed {result.digest}")
        return f"{build.image_repository(self.artifact)}@{result.digest}"

    def _on_stage(self, name: str) -> None:
        if name == Stage.PUSH and self.stage == Stage.BUILD:
            self._stage(Stage.BUILD, StageStatus.SUCCEEDED)
            self._stage(Stage.PUSH, StageStatus.RUNNING, progress=10)
            authority.transition_deployment(self.record.pk, phase=DeploymentPhase.PUSHING)

    def _on_line(self, stage: str, line: str) -> None:
        self.sink.line(stage, line)
        progress = _step_progress(line) if stage == Stage.BUILD else None
        if progress is not None:
            self._stage(Stage.BUILD, StageStatus.RUNNING, progress=progress)

    def _deploy(self, client: Any) -> None:
        self._check()
        served = serving.for_cluster(client)
        url = served.url_of(self.artifact)
        self._move(RevisionStatus.DEPLOYING, url=url)
        self._stage(Stage.DEPLOY, StageStatus.RUNNING, message=f"rolling out {self.artifact.name}")
        authority.transition_deployment(self.record.pk, phase=DeploymentPhase.ACTIVATING)
        served.apply(client, self.artifact, self.revision)
        applied = ("Knative Service" if served is serving.knative else
                   f"Deployment, Service{', Ingress' if self.artifact.host else ''}")
        self.sink.line(Stage.DEPLOY, f"applied {applied} for {self.revision.image_ref}")
        self._wait_available(client, served)
        self._check()
        url = served.url_of(self.artifact)
        self._stage(Stage.DEPLOY, StageStatus.SUCCEEDED, message=f"serving at {url}")
        authority.transition_attempt(self.record.pk, 1, AttemptStatus.READY,
                                     worker_id=self.worker_id)
        if self.revision.rollback_of:
            _mark_rolled_back(self.artifact, self.record.pk)
        authority.transition_deployment(self.record.pk, DeploymentStatus.ACTIVE)
        self._move(RevisionStatus.RUNNING, url=url)

    def _wait_available(self, client: Any, served: Any) -> None:
        deadline = time.monotonic() + settings.KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS
        healthy_since: float | None = None
        degraded_since: float | None = None
        said = ""
        while True:
            self._check()
            health = served.rollout(client, self.artifact, self.revision.number)
            now = time.monotonic()
            if health.message != said:
                said = health.message
                self.sink.line(Stage.DEPLOY, f"{health.status}: {health.message}")
            if health.status == HealthStatus.HEALTHY:
                healthy_since = healthy_since or now
                degraded_since = None
                if now - healthy_since >= settings.KUBEORCH_ARTIFACT_SETTLE_SECONDS:
                    return
            else:
                healthy_since = None
                if health.status == HealthStatus.DEGRADED:
                    degraded_since = degraded_since or now
                    if now - degraded_since >= settings.KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS:
                        raise Failed(Stage.DEPLOY, health.message, _health_details(health))
            if now > deadline:
                raise Failed(Stage.DEPLOY, f"not available after "
                                           f"{settings.KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS}"
                                           f" s: {health.message}", _health_details(health))
            self.guard.stop.wait(0.5)

    # --- endings -----------------------------------------------------------------------

    def _stopped(self) -> None:
        from deployments.artifacts import cleanup

        self.sink.line(self.stage, "cancelled")
        cleanup.settle_cancelled(self.revision.pk, self.worker_id)

    def _failed(self, failure: Failed) -> None:
        from deployments.artifacts import cleanup

        for line in [failure.reason, *failure.details]:
            self.sink.line(failure.stage, line)
        self._stage(failure.stage, StageStatus.FAILED, message=failure.reason)
        error = {"stage": failure.stage, "reason": failure.reason, "details": failure.details}
        cleanup.settle_failed(self.revision.pk, self.worker_id, error)


def _step_progress(line: str) -> int | None:
    if not line.startswith("STEP "):
        return None
    try:
        done, total = line.removeprefix("STEP ").split(":", 1)[0].split("/")
        return max(1, int(int(done) * 95 / int(total)))
    except ValueError:
        return None


def _health_details(health: Any) -> list[str]:
    details = health.details or {}
    found = [f"{k}: {v}" for k, v in details.items() if k in ("reason", "pod_reasons")]
    for pod in details.get("pods") or []:
        found.append(str(pod))
    return found


def _mark_rolled_back(artifact: Artifact, incoming_id: int) -> None:
    """A rollback replaces the active deployment with an earlier version: that is `rolled_back`,
    not `succeeded`."""
    from deployments.models import Deployment

    active = Deployment.objects.filter(target=artifact.target, cluster=artifact.cluster,
                                       status=DeploymentStatus.ACTIVE).exclude(pk=incoming_id)
    for record in active:
        authority.transition_deployment(record.pk, DeploymentStatus.ROLLED_BACK)
