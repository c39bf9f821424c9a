from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.fields import EncryptedJSONField
from workflows.models.clusters import Cluster
from workflows.models.teams import Team


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Workflow(ConcurrentTransitionMixin, models.Model):
    """A topology drawn on the canvas. Run status lives in NodeState rows, never in `nodes`."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="workflows")
    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, null=True, blank=True, related_name="workflows"
    )
    namespace = models.CharField(max_length=63, default="default")
    status = FSMField(
        max_length=16, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT, protected=True
    )
    nodes = models.JSONField(default=list, blank=True)
    edges = models.JSONField(default=list, blank=True)
    current_version = models.PositiveIntegerField(default=0)
    run_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # Triggers: a cron expression run by Celery beat, and a webhook whose token is the URL and
    # whose secret signs the body (HMAC-SHA256). The secret is stored encrypted.
    schedule = models.CharField(max_length=120, blank=True, default="")
    webhook_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    webhook_secret = EncryptedJSONField(blank=True, default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["team", "-updated_at"], name="workflow_team_recent")]

    def __str__(self) -> str:
        return self.name

    @transition(field=status, source=WorkflowStatus.DRAFT, target=WorkflowStatus.PUBLISHED)
    def publish(self) -> None:
        """Freeze the design for running."""

    @transition(
        field=status,
        source=[WorkflowStatus.DRAFT, WorkflowStatus.PUBLISHED],
        target=WorkflowStatus.ARCHIVED,
    )
    def archive(self) -> None:
        """Retire the workflow; it becomes read-only."""

    @transition(
        field=status,
        source=[WorkflowStatus.PUBLISHED, WorkflowStatus.ARCHIVED],
        target=WorkflowStatus.DRAFT,
    )
    def to_draft(self) -> None:
        """Edit a published workflow again, or revive an archived one."""
