"""What every step of a run shares: the lease, cancellation, and finishing exactly once."""

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_fsm import ConcurrentTransition

from deployments.actions.runs import finish
from deployments.engine.recorder import RunRecorder
from deployments.models import Run, RunStatus


class Stop(Exception):
    """The run ended (cancelled, failed, or taken over) and this execution must stop."""


def lease_seconds() -> int:
    return int(getattr(settings, "KUBEORCH_RUN_LEASE_SECONDS", 30))


def renew_lease(run_id: int) -> bool:
    """Push the lease forward; False if the run is no longer running (someone ended it)."""
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    return bool(
        Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(lease_expires_at=expires)
    )


def end(run: Run, transition: str, error: str = "") -> None:
    """Finish the run unless someone else already did (compare-and-swap)."""
    fresh = Run.objects.select_related("workflow", "version").filter(pk=run.pk).first()
    if fresh is None or fresh.status != RunStatus.RUNNING:  # deleted with its workflow, or done
        return
    with contextlib.suppress(ConcurrentTransition):
        finish(fresh, transition, error)


def drop_broken_connection() -> None:
    """Reconnect only if the connection broke (a long run outlives a database restart).

    Not close_old_connections(): with CONN_MAX_AGE=0 that closes a healthy connection too,
    and every check of a run would pay for a new PostgreSQL connection."""
    if connection.connection is not None and connection.errors_occurred:
        connection.close()


def checkpoint(run: Run, record: RunRecorder, lease_lost: bool = False) -> None:
    """Stop if the run was cancelled, or if it is no longer ours (lease lost)."""
    drop_broken_connection()
    state = Run.objects.filter(pk=run.pk).values("status", "cancel_requested").first()
    if lease_lost or state is None or state["status"] != RunStatus.RUNNING:
        raise Stop
    if state["cancel_requested"]:
        record.log("cancelled by request", level="warning")
        end(run, "cancel", "cancelled while running")
        raise Stop


def fail(run: Run, record: RunRecorder, reason: str) -> None:
    record.log(reason, level="error")
    end(run, "fail", reason)
    raise Stop
