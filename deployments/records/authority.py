"""The one transition authority for deployment records: every write goes through here.

Every write is a compare-and-swap: `UPDATE ... WHERE pk = ? AND <the state the decision was
made on>`. Zero rows means someone else wrote first; the request is then decided again against
the new state. The rule for a callback, applied to the state it finds:

* it asks for what the record already is (same status, phase, version): a duplicate, answered
  with the current record and no write, no event;
* it names `expected_from` and the record is no longer there (and it is not a duplicate): 409
  `illegal_transition` naming the current state;
* its move is not in the table (terminal states have no exits, phases only go forward): 409
  `illegal_transition`;
* otherwise it is written, and `state_transition` is emitted on commit.

No edge of the table points backwards, so a late callback can only be a duplicate or a 409.
"""

import contextlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from deployments.models import Attempt, Deployment
from deployments.models.records import (
    FINAL_DEPLOYMENT_STATUSES,
    OPEN_ATTEMPT_STATUSES,
    PHASE_ORDER,
    AttemptStatus,
    DeploymentPhase,
    DeploymentStatus,
)
from deployments.records import events
from deployments.records.targets import check_target
from kubeorch.errors import Conflict, FieldError, InvalidInput
from workflows.models import Cluster
from workflows.permissions import WRITE, require

# A write that keeps losing its compare-and-swap is answered 409 rather than looping forever.
MAX_RACES = 8


@dataclass(frozen=True)
class Outcome[T]:
    record: T
    changed: bool


def _target_of(fsm_field: str, instance: Any, to: str) -> str | None:
    """The name of the declared transition from the instance's state to `to`, if any."""
    available = getattr(instance, f"get_available_{fsm_field}_transitions")()
    for transition in available:
        if transition.target == to:
            return str(transition.name)
    return None


def _illegal(record: str, pk: int, current: str, to: str, why: str = "") -> Conflict:
    reason = why or f"{record} {pk} is {current}; {current} -> {to} is not allowed"
    return Conflict(
        reason,
        code="illegal_transition",
        extra={"record": record, "id": pk, "status": current, "to": to},
    )


def _cas(model: type[models.Model], pk: int, expected: dict[str, Any],
         changes: dict[str, Any]) -> bool:
    """UPDATE ... WHERE pk AND the state the decision was made on; False: someone was first."""
    return bool(model._default_manager.filter(pk=pk, **expected).update(**changes) == 1)


# --- begin --------------------------------------------------------------------------------


def begin_deployment(
    actor: Any,
    cluster: Cluster,
    target: str,
    namespace: str,
    version: str | None = None,
    object_name: str = "",
) -> Deployment:
    """Create a deployment (in_progress, preparing) and its first attempt (pending).

    The partial unique index decides a race: the loser's savepoint is rolled back, so it leaves
    no row, and it gets 409 `attempt_in_progress` naming the holder.
    """
    if actor is not None:
        require(actor, cluster.team_id, WRITE, "deployments to this cluster")
    check_target(target, cluster.team_id)
    for _ in range(MAX_RACES):
        try:
            with transaction.atomic():
                deployment = Deployment.objects.create(
                    team_id=cluster.team_id,
                    target=target,
                    cluster=cluster,
                    namespace=namespace,
                    version=version,
                    object_name=object_name,
                    created_by=actor,
                )
                attempt = Attempt.objects.create(deployment=deployment, number=1)
        except IntegrityError:
            holder = _holder(target, cluster)
            if holder is None:
                continue  # the holder finished between our insert and our look: try again
            raise _busy(holder) from None
        events.deployment_changed(deployment, None, None)
        events.attempt_changed(attempt, deployment.team_id, None)
        return deployment
    raise Conflict("the lock kept changing hands; retry", code="attempt_in_progress")


def _holder(target: str, cluster: Cluster) -> Deployment | None:
    return Deployment.objects.filter(
        target=target, cluster=cluster, status=DeploymentStatus.IN_PROGRESS
    ).first()


def _busy(holder: Deployment) -> Conflict:
    return Conflict(
        f"deployment {holder.pk} of {holder.target} to this cluster is in progress "
        f"({holder.phase}); wait for it, or cancel it",
        code="attempt_in_progress",
        extra={"holder": {"id": holder.pk, "status": holder.status, "phase": holder.phase}},
    )


def new_attempt(actor: Any, deployment: Deployment) -> Attempt:
    """Retry: a new pending attempt of an in-progress deployment whose attempts are all closed."""
    if actor is not None:
        require(actor, deployment.team_id, WRITE, "this deployment")
    with transaction.atomic():
        current = Deployment.objects.get(pk=deployment.pk)
        if current.status != DeploymentStatus.IN_PROGRESS:
            raise _illegal("deployment", current.pk, current.status, "new attempt",
                           f"deployment {current.pk} is {current.status}: no new attempts")
        number = (current.attempts.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(deployment=current, number=number)
        except IntegrityError:
            raise _attempt_busy(current) from None
        events.attempt_changed(attempt, current.team_id, None)
    return attempt


def _attempt_busy(deployment: Deployment) -> Conflict:
    open_ = deployment.attempts.filter(status__in=OPEN_ATTEMPT_STATUSES).first()
    holder = {"number": open_.number, "status": open_.status} if open_ else {}
    return Conflict(
        f"deployment {deployment.pk} already has an open attempt",
        code="attempt_in_progress",
        extra={"holder": holder},
    )


# --- deployment transitions ------------------------------------------------------------------


def transition_deployment(
    deployment_id: int,
    to: str | None = None,
    *,
    phase: str | None = None,
    version: str | None = None,
    error: str = "",
    expected_from: str | None = None,
) -> Outcome[Deployment]:
    """Move a deployment's status and/or phase, or set its version (see the module's rule)."""
    with transaction.atomic():
        for _ in range(MAX_RACES):
            # The row lock orders this write against attempt writes of the same deployment
            # (checks span both tables); the compare-and-swap below is what guarantees it.
            current = Deployment.objects.select_for_update().get(pk=deployment_id)
            changes = _plan_deployment(current, to, phase, version, expected_from, error)
            if not changes:
                return Outcome(current, False)
            if changes.get("status") == DeploymentStatus.ACTIVE:
                _retire_previous_active(current)
            expected = {"status": current.status, "phase": current.phase,
                        "version": current.version}
            if _cas(Deployment, current.pk, expected, {**changes, "updated_at": timezone.now()}):
                if changes.get("status") in (DeploymentStatus.FAILED, DeploymentStatus.CANCELLED):
                    _close_open_attempts(current, f"deployment {changes['status']}", error)
                updated = Deployment.objects.get(pk=current.pk)
                events.deployment_changed(updated, current.status, current.phase)
                return Outcome(updated, True)
    raise Conflict(f"deployment {deployment_id} kept changing; retry", code="contended")


def _plan_deployment(
    d: Deployment, to: str | None, phase: str | None, version: str | None,
    expected_from: str | None, error: str = "",
) -> dict[str, Any]:
    """The columns to write, {} for a duplicate; raises Conflict for an illegal move."""
    duplicate = (
        (to is None or to == d.status)
        and (phase is None or phase == d.phase)
        and (version is None or version == d.version)
    )
    if duplicate:
        return {}
    if expected_from is not None and expected_from != d.status:
        raise _illegal("deployment", d.pk, d.status, to or d.status,
                       f"deployment {d.pk} is {d.status}, not {expected_from}")
    changes: dict[str, Any] = {}
    if version is not None and version != d.version:
        changes["version"] = _plan_version(d, version)
    if phase is not None and phase != d.phase:
        changes["phase"] = _plan_phase(d, phase)
    if to is not None and to != d.status:
        changes.update(_plan_status(d, to, changes.get("version", d.version), error))
    return changes


def _plan_version(d: Deployment, version: str) -> str:
    if d.version is not None:
        raise Conflict(
            f"deployment {d.pk} already deploys version {d.version!r}; versions are immutable",
            code="version_immutable",
            extra={"record": "deployment", "id": d.pk, "version": d.version},
        )
    if d.status != DeploymentStatus.IN_PROGRESS:
        raise _illegal("deployment", d.pk, d.status, d.status,
                       f"deployment {d.pk} is {d.status}: its version can no longer be set")
    return version


def _plan_phase(d: Deployment, phase: str) -> str:
    if d.status != DeploymentStatus.IN_PROGRESS or _target_of("phase", d, phase) is None:
        raise Conflict(
            f"deployment {d.pk} is {d.status} in phase {d.phase}; phases only move forward "
            f"({' -> '.join(PHASE_ORDER)}) while in progress",
            code="illegal_transition",
            extra={"record": "deployment", "id": d.pk, "status": d.status, "phase": d.phase,
                   "to_phase": phase},
        )
    return phase


def _plan_status(d: Deployment, to: str, version: str | None, error: str) -> dict[str, Any]:
    if _target_of("status", d, to) is None:
        raise _illegal("deployment", d.pk, d.status, to)
    changes: dict[str, Any] = {"status": to}
    if to == DeploymentStatus.ACTIVE:
        _check_activatable(d, version)
        changes["phase"] = DeploymentPhase.ACTIVATING
    if d.status == DeploymentStatus.IN_PROGRESS and to != DeploymentStatus.ACTIVE:
        _refuse_if_unknown(d, f"mark it {to}")
    if to in FINAL_DEPLOYMENT_STATUSES:
        changes["ended_at"] = timezone.now()
    if error:
        changes["error"] = error
    return changes


def _check_activatable(d: Deployment, version: str | None) -> None:
    if version is None:
        raise Conflict(
            f"deployment {d.pk} has no version: set `version` to activate it",
            code="version_required",
            extra={"record": "deployment", "id": d.pk, "field": "version"},
        )
    latest = d.attempts.order_by("-number").first()
    if latest is None or latest.status != AttemptStatus.READY:
        status = latest.status if latest else "none"
        raise Conflict(
            f"deployment {d.pk} cannot be activated: its latest attempt is {status}, not ready",
            code="attempt_not_ready",
            extra={"record": "deployment", "id": d.pk,
                   "attempt": {"number": latest.number if latest else None, "status": status}},
        )


def _refuse_if_unknown(d: Deployment, doing: str) -> None:
    unknown = d.attempts.filter(status=AttemptStatus.UNKNOWN).first()
    if unknown is not None:
        raise Conflict(
            f"attempt {unknown.number} of deployment {d.pk} is unknown (its worker was lost): "
            f"reconcile it before you {doing}, or tear down with force=true",
            code="attempt_unknown",
            extra={"record": "attempt", "id": unknown.pk, "number": unknown.number},
        )


def _retire_previous_active(d: Deployment) -> None:
    """A newly active deployment supersedes the previous one: it becomes succeeded."""
    previous = Deployment.objects.filter(
        target=d.target, cluster_id=d.cluster_id, status=DeploymentStatus.ACTIVE
    ).exclude(pk=d.pk)
    for old in previous:
        # Rolled back or failed meanwhile: then it is no longer active, which is all we need.
        with contextlib.suppress(Conflict):
            transition_deployment(old.pk, DeploymentStatus.SUCCEEDED,
                                  expected_from=DeploymentStatus.ACTIVE)


def _close_open_attempts(d: Deployment, why: str, error: str) -> None:
    for attempt in d.attempts.filter(
        status__in=[AttemptStatus.PENDING, AttemptStatus.DEPLOYING]
    ):
        transition_attempt(d.pk, attempt.number, AttemptStatus.FAILED,
                           error=error or why, settling=True)


# --- attempt transitions ------------------------------------------------------------------


def transition_attempt(
    deployment_id: int,
    number: int,
    to: str,
    *,
    expected_from: str | None = None,
    worker_id: str = "",
    error: str = "",
    evidence: dict[str, Any] | None = None,
    settling: bool = False,
) -> Outcome[Attempt]:
    """Move attempt `number` of a deployment (see the module's rule).

    `settling` is the server itself closing an attempt (its deployment ended, lease expiry,
    reconcile, teardown); a worker's callback is never settling and must name its worker.
    """
    with transaction.atomic():
        for _ in range(MAX_RACES):
            # Lock the parent first (the order every writer uses): see transition_deployment.
            list(Deployment.objects.select_for_update().filter(pk=deployment_id).values("pk"))
            current = Attempt.objects.select_related("deployment").get(
                deployment_id=deployment_id, number=number
            )
            changes = _plan_attempt(current, to, expected_from, worker_id, settling)
            if not changes:
                return Outcome(current, False)
            changes.update(_closing(current, to, error, evidence))
            if _cas(Attempt, current.pk, {"status": current.status}, changes):
                updated = Attempt.objects.get(pk=current.pk)
                events.attempt_changed(updated, current.deployment.team_id, current.status)
                return Outcome(updated, True)
    raise Conflict(f"attempt {number} kept changing; retry", code="contended")


def _plan_attempt(
    a: Attempt, to: str, expected_from: str | None, worker_id: str, settling: bool
) -> dict[str, Any]:
    if to == AttemptStatus.DEPLOYING and not worker_id:
        raise InvalidInput("a worker takes an attempt: worker_id is required",
                           [FieldError("worker_id", "required to start an attempt")])
    if not settling and worker_id and a.worker_id and worker_id != a.worker_id:
        # Checked before the duplicate rule: another worker's "deploying" is not a duplicate.
        raise Conflict(
            f"attempt {a.number} belongs to worker {a.worker_id!r}, not {worker_id!r}",
            code="not_lease_holder",
            extra={"record": "attempt", "id": a.pk, "worker_id": a.worker_id},
        )
    if to == a.status:
        return {}
    if expected_from is not None and expected_from != a.status:
        raise _illegal("attempt", a.pk, a.status, to,
                       f"attempt {a.number} is {a.status}, not {expected_from}")
    if _target_of("status", a, to) is None:
        raise _illegal("attempt", a.pk, a.status, to,
                       f"attempt {a.number} is {a.status}; {a.status} -> {to} is not allowed")
    if to == AttemptStatus.UNKNOWN and not settling:
        # Only the server decides it lost track of a worker (expire_leases).
        raise _illegal("attempt", a.pk, a.status, to,
                       "only an expired lease makes an attempt unknown")
    if to == AttemptStatus.DEPLOYING:
        now = timezone.now()
        return {"status": to, "worker_id": worker_id, "started_at": now, "heartbeat_at": now,
                "lease_expires_at": now + lease_duration()}
    return {"status": to}


def _closing(a: Attempt, to: str, error: str, evidence: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if evidence:
        changes["evidence"] = {**a.evidence, **evidence}
    if to in (AttemptStatus.READY, AttemptStatus.FAILED):
        changes["ended_at"] = timezone.now()
        changes["lease_expires_at"] = None
        changes["error"] = error if to == AttemptStatus.FAILED else ""
    return changes


def lease_duration() -> Any:
    from datetime import timedelta

    from django.conf import settings

    return timedelta(seconds=float(settings.KUBEORCH_ATTEMPT_LEASE_SECONDS))
