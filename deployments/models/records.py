"""Server-owned deployment records: one Deployment per rollout of a target to a cluster, and the
Attempts made to get it there.

The `@transition` declarations below are the transition table; `deployments.records` is the only
code that calls them, always with a compare-and-swap save (ConcurrentTransitionMixin), so a late
writer can never move a record backwards. See docs/deployment-records.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import Cluster, Team


class DeploymentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    ACTIVE = "active", "Active"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    ROLLED_BACK = "rolled_back", "Rolled back"


class DeploymentPhase(models.TextChoices):
    """Where an in-progress deployment is; moves forward only (the order below)."""

    PREPARING = "preparing", "Preparing"
    BUILDING = "building", "Building"
    PUSHING = "pushing", "Pushing"
    ACTIVATING = "activating", "Activating"


PHASE_ORDER = [p.value for p in DeploymentPhase]
FINAL_DEPLOYMENT_STATUSES = frozenset(
    {
        DeploymentStatus.SUCCEEDED,
        DeploymentStatus.FAILED,
        DeploymentStatus.CANCELLED,
        DeploymentStatus.ROLLED_BACK,
    }
)


class AttemptStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DEPLOYING = "deploying", "Deploying"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    # The worker's lease expired: nobody knows what reached the cluster until reconcile reads it.
    UNKNOWN = "unknown", "Unknown"


# An open attempt still holds its deployment; at most one per deployment (partial unique index).
OPEN_ATTEMPT_STATUSES = (AttemptStatus.PENDING, AttemptStatus.DEPLOYING, AttemptStatus.UNKNOWN)


class Deployment(ConcurrentTransitionMixin, models.Model):
    """One rollout of `target` (e.g. `workflow:7`, `artifact:42`) to a cluster and namespace."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployment_records")
    target = models.CharField(max_length=200)
    # Records are the history of a cluster and go with it; PROTECT would make every cluster
    # ever deployed to undeletable (records cannot be deleted through the API).
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="deployment_records"
    )
    namespace = models.CharField(max_length=63)
    # Optional until activation, which refuses a deployment without one. NULL, not "": an empty
    # string would be a sentinel meaning "no version".
    version = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # For targets other than workflows: the Kubernetes Deployment that serves the target, which
    # reconcile reads and teardown deletes.
    object_name = models.CharField(max_length=253, blank=True, default="")
    status = FSMField(
        max_length=16,
        choices=DeploymentStatus.choices,
        default=DeploymentStatus.IN_PROGRESS,
        protected=True,
    )
    phase = FSMField(
        max_length=16,
        choices=DeploymentPhase.choices,
        default=DeploymentPhase.PREPARING,
        protected=True,
    )
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The lock: one in-progress deployment per (target, cluster), decided by PostgreSQL.
            models.UniqueConstraint(
                fields=["target", "cluster"],
                condition=Q(status="in_progress"),
                name="one_in_progress_deployment",
            ),
            # Activation retires the previous active one in the same transaction.
            models.UniqueConstraint(
                fields=["target", "cluster"],
                condition=Q(status="active"),
                name="one_active_deployment",
            ),
        ]
        indexes = [
            # History pages: keyset on (created_at, id) within one (target, cluster).
            models.Index(
                fields=["target", "cluster", "-created_at", "-id"], name="deployment_history"
            )
        ]

    def __str__(self) -> str:
        return f"deployment {self.pk} of {self.target} ({self.status})"

    # --- status: the table (docs/deployment-records.md) ---------------------------------

    @transition(field=status, source=DeploymentStatus.IN_PROGRESS, target=DeploymentStatus.ACTIVE)
    def activate(self) -> None:
        """Live: the version runs and its latest attempt is ready."""

    @transition(
        field=status,
        source=[DeploymentStatus.IN_PROGRESS, DeploymentStatus.ACTIVE],
        target=DeploymentStatus.FAILED,
    )
    def fail(self) -> None:
        """Never became live, or broke while live."""

    @transition(
        field=status, source=DeploymentStatus.IN_PROGRESS, target=DeploymentStatus.CANCELLED
    )
    def cancel(self) -> None:
        """Stopped before it became live."""

    @transition(field=status, source=DeploymentStatus.ACTIVE, target=DeploymentStatus.SUCCEEDED)
    def succeed(self) -> None:
        """Served and was retired cleanly (superseded by a newer deployment, or torn down)."""

    @transition(field=status, source=DeploymentStatus.ACTIVE, target=DeploymentStatus.ROLLED_BACK)
    def roll_back(self) -> None:
        """Was live and was replaced by an earlier version."""

    # --- phase: forward only, and only while in progress ---------------------------------

    @transition(field=phase, source=DeploymentPhase.PREPARING, target=DeploymentPhase.BUILDING)
    def to_building(self) -> None:
        pass

    @transition(
        field=phase,
        source=[DeploymentPhase.PREPARING, DeploymentPhase.BUILDING],
        target=DeploymentPhase.PUSHING,
    )
    def to_pushing(self) -> None:
        pass

    @transition(
        field=phase,
        source=[DeploymentPhase.PREPARING, DeploymentPhase.BUILDING, DeploymentPhase.PUSHING],
        target=DeploymentPhase.ACTIVATING,
    )
    def to_activating(self) -> None:
        pass


class Attempt(ConcurrentTransitionMixin, models.Model):
    """One try at putting a deployment's version on the cluster, made by one worker."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    status = FSMField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.PENDING, protected=True
    )
    worker_id = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # Why the server decided what it did when the worker could not tell it: lease expiry (last
    # heartbeat, worker id) and what reconcile read from the cluster.
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deployment_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "number"], name="unique_attempt_number"
            ),
            models.UniqueConstraint(
                fields=["deployment"],
                condition=Q(status__in=["pending", "deploying", "unknown"]),
                name="one_open_attempt_per_deployment",
            ),
        ]
        indexes = [
            # expire_leases() scans only deploying attempts by lease expiry.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="deploying"),
                name="attempt_deploying_lease",
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of deployment {self.deployment_id} ({self.status})"

    @transition(field=status, source=AttemptStatus.PENDING, target=AttemptStatus.DEPLOYING)
    def start(self) -> None:
        """A worker took the attempt and holds its lease."""

    @transition(
        field=status,
        source=[AttemptStatus.DEPLOYING, AttemptStatus.UNKNOWN],
        target=AttemptStatus.READY,
    )
    def ready(self) -> None:
        """Everything reached the cluster and is healthy (told by the worker or by reconcile)."""

    @transition(
        field=status,
        source=[AttemptStatus.PENDING, AttemptStatus.DEPLOYING, AttemptStatus.UNKNOWN],
        target=AttemptStatus.FAILED,
    )
    def fail(self) -> None:
        """Failed, never started (its deployment ended first), or reconcile found it broken."""

    @transition(field=status, source=AttemptStatus.DEPLOYING, target=AttemptStatus.UNKNOWN)
    def lose(self) -> None:
        """The worker's lease expired."""


def _load_whole_rows(sender: type[models.Model], **kwargs: object) -> None:
    """Deleting a team or cluster cascades to these records. Without a delete receiver,
    Django's collector loads them with only their keys, and ConcurrentTransitionMixin's
    __init__ then reads each deferred state field, whose refresh builds another instance with
    deferred fields: endless recursion. Any receiver makes the collector load whole rows."""


for _model in (Deployment, Attempt):
    pre_delete.connect(_load_whole_rows, sender=_model, weak=False,
                       dispatch_uid=f"records-load-whole-rows-{_model.__name__}")
