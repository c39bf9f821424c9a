"""Starting and cancelling runs. The database, not a check-then-create, keeps one active run."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from deployments import run_events
from deployments.models import Run, RunStatus, TriggeredBy
from deployments.models.runs import ACTIVE_RUN_STATUSES
from deployments.run_secrets import seal, split_trigger_data
from kubeorch.errors import Conflict
from workflows.actions.versions import snapshot
from workflows.actions.workflows import lock, refuse_if_archived
from workflows.models import VersionSource, Workflow, WorkflowStatus
from workflows.permissions import WRITE, require
from workflows.workflow_events import emit_status_changed


def start_run(
    actor: Any, workflow: Workflow, trigger_data: Any = None, triggered_by: str = TriggeredBy.MANUAL
) -> Run:
    """Snapshot the saved graph as a version, queue a run of it and enqueue it on commit.

    `actor` is None for schedule and webhook triggers, which were authorized when set up.
    """
    stored_trigger, secret_values = split_trigger_data(trigger_data)
    with transaction.atomic():
        if actor is not None:
            require(actor, workflow.team_id, WRITE, "this workflow")
        workflow = lock(workflow)
        refuse_if_archived(workflow, "run it")
        if workflow.cluster_id is None:
            raise Conflict(
                f"workflow {workflow.name!r} has no cluster: choose one first", code="no_cluster"
            )
        refuse_if_active(workflow)
        if workflow.status == WorkflowStatus.DRAFT:
            workflow.publish()  # running a draft publishes it, as in KubeOrch
            workflow.save()
            emit_status_changed(workflow, WorkflowStatus.DRAFT)
        version = snapshot(workflow, actor, VersionSource.RUN)
        run = _create_run(workflow, version, actor, triggered_by, stored_trigger)
        Workflow.objects.filter(pk=workflow.pk).update(
            run_count=F("run_count") + 1, last_run_at=run.created_at
        )
        run_events.run_status_changed(run)
        sealed = seal(secret_values)
        transaction.on_commit(lambda: enqueue(run.pk, sealed))
    return run


def refuse_if_active(workflow: Workflow) -> None:
    active = Run.objects.filter(workflow=workflow, status__in=ACTIVE_RUN_STATUSES).first()
    if active:
        raise _busy(active)


def _busy(active: Run) -> Conflict:
    return Conflict(
        f"run {active.pk} of this workflow is {active.status}; wait for it or cancel it",
        code="run_in_progress",
        extra={"active_run_id": active.pk},
    )


def _create_run(
    workflow: Workflow, version: Any, actor: Any, triggered_by: str, trigger_data: dict
) -> Run:
    try:
        with transaction.atomic():  # a savepoint: the unique index decides races
            return Run.objects.create(
                workflow=workflow,
                version=version,
                created_by=actor,
                triggered_by=triggered_by,
                trigger_data=trigger_data,
            )
    except IntegrityError:
        active = Run.objects.filter(workflow=workflow, status__in=ACTIVE_RUN_STATUSES).first()
        if active is None:
            raise
        raise _busy(active) from None


# On Redis, 0 is served first: health checks of started runs (priority 0, the default) go
# before new runs, so a backlog of queued runs never starves a started run past its lease.
NEW_RUN_PRIORITY = 6


def enqueue(run_id: int, sealed_secrets: str | None) -> None:
    from deployments.tasks import execute_run

    execute_run.apply_async(
        args=[run_id], kwargs={"sealed_secrets": sealed_secrets}, priority=NEW_RUN_PRIORITY
    )


def cancel_run(actor: Any, run: Run) -> Run:
    """A queued run is cancelled at once; a running one is asked to stop at its next check."""
    with transaction.atomic():
        if actor is not None:
            require(actor, run.workflow.team_id, WRITE, "this run")
        run = Run.objects.select_for_update().select_related("workflow", "version").get(pk=run.pk)
        if run.status == RunStatus.QUEUED:
            finish(run, "cancel", error="cancelled before it started")
        elif run.status == RunStatus.RUNNING:
            Run.objects.filter(pk=run.pk).update(cancel_requested=True)
            run.cancel_requested = True
        else:
            raise Conflict(
                f"run {run.pk} is already {run.status}",
                code="illegal_transition",
                extra={"status": run.status},
            )
    return run


def finish(run: Run, transition: str, error: str = "") -> None:
    """Move a run to a final state (compare-and-swap on status), with timing and counters."""
    getattr(run, transition)()
    now = timezone.now()
    run.completed_at = now
    if run.started_at:
        run.duration_ms = int((now - run.started_at).total_seconds() * 1000)
    run.error = error
    run.lease_expires_at = None
    run.save()
    counter = {"complete": "success_count", "fail": "failure_count"}.get(transition)
    if counter:
        Workflow.objects.filter(pk=run.workflow_id).update(**{counter: F(counter) + 1})
    run_events.run_status_changed(run)
