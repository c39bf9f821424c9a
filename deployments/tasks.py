"""Celery tasks: they take ids, re-fetch, and delegate. Safe to run twice."""

import logging
from typing import Any

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from deployments.actions.runs import finish
from deployments.models import Run, RunStatus, TriggeredBy
from deployments.run_secrets import unseal

log = logging.getLogger(__name__)


def _queue_of(request: Any) -> str | None:
    """The queue a task came from: a run's health checks go where the run went."""
    return (getattr(request, "delivery_info", None) or {}).get("routing_key") or None


@shared_task(name="deployments.execute_run", acks_late=True, ignore_result=True, bind=True)
def execute_run(self: Task, run_id: int, sealed_secrets: str | None = None) -> None:
    from deployments.engine import execute

    execute(run_id, unseal(sealed_secrets), queue=_queue_of(self.request))


@shared_task(name="deployments.watch_run", acks_late=True, ignore_result=True, bind=True)
def watch_run(self: Task, run_id: int, state: dict[str, Any]) -> None:
    """One health check of a running run (see deployments.engine.waiting); reschedules itself."""
    from deployments.engine.waiting import resume

    resume(run_id, state, queue=_queue_of(self.request))


@shared_task(name="deployments.reap_lost_runs", ignore_result=True)
def reap_lost_runs() -> int:
    """Fail running runs whose worker stopped renewing the lease ("worker lost")."""
    now = timezone.now()
    reaped = 0
    for run_id in Run.objects.filter(
        status=RunStatus.RUNNING, lease_expires_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            run = (
                Run.objects.select_for_update().select_related("workflow", "version").get(pk=run_id)
            )
            if run.status != RunStatus.RUNNING or not run.lease_expires_at:
                continue
            if run.lease_expires_at >= now:
                continue
            lapsed = (now - run.lease_expires_at).total_seconds()
            try:
                finish(
                    run,
                    "fail",
                    f"worker lost: its lease expired {lapsed:.0f}s ago "
                    f"(at {run.lease_expires_at.isoformat()}); re-run to converge",
                )
                reaped += 1
            except ConcurrentTransition:
                continue
    if reaped:
        log.warning("failed %s run(s) whose worker was lost", reaped)
    return reaped


@shared_task(name="deployments.run_scheduled", ignore_result=True)
def run_scheduled(workflow_id: int) -> str:
    """Beat's cron tick: start a run unless one is active or the workflow cannot run."""
    from deployments.actions.runs import start_run
    from kubeorch.errors import KubeOrchError
    from workflows.models import Workflow

    workflow = Workflow.objects.filter(pk=workflow_id).first()
    if workflow is None or not workflow.schedule:
        return "no schedule"
    try:
        run = start_run(None, workflow, {"schedule": workflow.schedule}, TriggeredBy.SCHEDULE)
    except KubeOrchError as exc:
        log.info("scheduled run of workflow %s skipped: %s", workflow_id, exc.message)
        return f"skipped: {exc.message}"
    return f"run {run.pk}"


@shared_task(name="deployments.teardown_workflow", acks_late=True, ignore_result=True)
def teardown_workflow(workflow_id: int) -> None:
    from deployments.teardown import teardown

    teardown(workflow_id)

# Registers the artifact pipeline tasks and the deployment records' lease-expiry task
# (autodiscovery imports only this module).
from deployments.artifacts import tasks as _artifact_tasks  # noqa: E402, F401
from deployments.records import tasks as _record_tasks  # noqa: E402, F401

# Registers the watchers tasks and worker signals (autodiscovery imports only this module).
from deployments.watchers import tasks as _watcher_tasks  # noqa: E402, F401
