from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import Workflow, WorkflowVersion


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED_RUN_STATUSES = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED)


class TriggeredBy(models.TextChoices):
    MANUAL = "manual", "Manual"
    SCHEDULE = "schedule", "Schedule"
    WEBHOOK = "webhook", "Webhook"


class Run(ConcurrentTransitionMixin, models.Model):
    """One application of a workflow version to its cluster."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.CASCADE, related_name="runs")
    status = FSMField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, protected=True
    )
    triggered_by = models.CharField(
        max_length=16, choices=TriggeredBy.choices, default=TriggeredBy.MANUAL
    )
    # Never holds secrets: values marked secret are stripped before the run is stored.
    trigger_data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # The worker's lease: renewed while it works; a beat task fails runs whose lease expired.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One active run per workflow, enforced by the database (race-free).
            models.UniqueConstraint(
                fields=["workflow"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_workflow",
            )
        ]
        indexes = [models.Index(fields=["workflow", "-created_at"], name="run_workflow_recent")]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.workflow_id} ({self.status})"

    @transition(field=status, source=RunStatus.QUEUED, target=RunStatus.RUNNING)
    def start(self) -> None:
        """A worker picked the run up."""

    @transition(field=status, source=RunStatus.RUNNING, target=RunStatus.COMPLETED)
    def complete(self) -> None:
        """Every resource applied and healthy."""

    @transition(field=status, source=RunStatus.RUNNING, target=RunStatus.FAILED)
    def fail(self) -> None:
        """Apply or health failed, timed out, or the worker was lost."""

    @transition(
        field=status, source=[RunStatus.QUEUED, RunStatus.RUNNING], target=RunStatus.CANCELLED
    )
    def cancel(self) -> None:
        """Stopped by a user."""


class NodeState(models.Model):
    """Live health of one node in one run; kept apart from the graph so saves never race it."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="node_states")
    node_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)
    health = models.CharField(max_length=16, default="unknown")
    message = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="one_state_per_run_node")
        ]
        ordering = ["run_id", "node_id"]

    def __str__(self) -> str:
        return f"{self.node_id}: {self.health}"


class RunLog(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="logs")
    seq = models.PositiveIntegerField()
    ts = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=8, default="info")
    node_id = models.CharField(max_length=200, blank=True, default="")
    message = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_run_log_seq")]
        ordering = ["run_id", "seq"]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message[:60]}"
