from typing import Any

from django.conf import settings
from django.db import models

from workflows.models.workflow import Workflow


class VersionSource(models.TextChoices):
    RUN = "run", "Run"
    MANUAL = "manual", "Manual"
    RESTORE = "restore", "Restore"


class ImmutableVersionError(Exception):
    pass


class WorkflowVersion(models.Model):
    """An immutable, numbered snapshot of a workflow's graph."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    nodes = models.JSONField(default=list)
    edges = models.JSONField(default=list)
    name = models.CharField(max_length=200, blank=True, default="")
    tag = models.CharField(max_length=64, blank=True, default="")
    description = models.TextField(blank=True, default="")
    source = models.CharField(max_length=16, choices=VersionSource.choices)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"], name="unique_version_number_per_workflow"
            )
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Versions are history: once written they are never changed.
        if self.pk is not None:
            raise ImmutableVersionError("workflow versions are immutable")
        super().save(*args, **kwargs)
