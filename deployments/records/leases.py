"""Worker leases on deploying attempts: renewed by heartbeats, and an expired one makes the
attempt `unknown` (with the evidence of what the server last knew) instead of guessing."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from deployments.models import Attempt, Deployment
from deployments.models.records import AttemptStatus
from deployments.records.authority import lease_duration, transition_attempt
from kubeorch.errors import Conflict


def renew_lease(deployment_id: int, number: int, worker_id: str) -> Attempt:
    """Extend the lease of a deploying attempt held by `worker_id`.

    A compare-and-swap on (status, worker): once the attempt is unknown, failed or taken over,
    the heartbeat is refused with 409 `lease_lost` and the worker must stop, never resurrect it.
    """
    now = timezone.now()
    renewed = Attempt.objects.filter(
        deployment_id=deployment_id,
        number=number,
        status=AttemptStatus.DEPLOYING,
        worker_id=worker_id,
    ).update(heartbeat_at=now, lease_expires_at=now + lease_duration())
    attempt = Attempt.objects.get(deployment_id=deployment_id, number=number)
    if not renewed:
        raise Conflict(
            f"attempt {number} is {attempt.status} (worker {attempt.worker_id or 'none'}): "
            "the lease is lost; stop working on it",
            code="lease_lost",
            extra={"record": "attempt", "id": attempt.pk, "status": attempt.status},
        )
    return attempt


def expire_leases(now: datetime | None = None) -> list[int]:
    """Mark deploying attempts whose lease expired `unknown`; returns their ids."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(
        status=AttemptStatus.DEPLOYING, lease_expires_at__lt=now
    ).values_list("pk", "deployment_id", "number", "worker_id", "heartbeat_at",
                  "lease_expires_at")
    lost = []
    for pk, deployment_id, number, worker_id, heartbeat_at, lease_expires_at in expired:
        with transaction.atomic():
            # Lock parent then attempt (every writer's order), and compare the lease itself: a
            # heartbeat that landed since the scan moved lease_expires_at and keeps the attempt.
            list(Deployment.objects.select_for_update().filter(pk=deployment_id).values("pk"))
            still = Attempt.objects.select_for_update().filter(
                pk=pk, status=AttemptStatus.DEPLOYING, lease_expires_at=lease_expires_at
            )
            if not list(still.values("pk")):
                continue
            evidence = {
                "lease": {
                    "worker_id": worker_id,
                    "last_heartbeat_at": heartbeat_at.isoformat() if heartbeat_at else None,
                    "lease_expired_at": lease_expires_at.isoformat() if lease_expires_at else None,
                    "detected_at": now.isoformat(),
                }
            }
            outcome = transition_attempt(
                deployment_id, number, AttemptStatus.UNKNOWN,
                expected_from=AttemptStatus.DEPLOYING, evidence=evidence, settling=True,
            )
            if outcome.changed:
                lost.append(pk)
    return lost
