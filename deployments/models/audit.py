from django.conf import settings
from django.db import models

from workflows.models import Workflow


class ExecSession(models.Model):
    """Audit of every interactive terminal opened into a pod: who, when, where, how long."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="exec_sessions")
    node_id = models.CharField(max_length=200)
    namespace = models.CharField(max_length=63)
    pod = models.CharField(max_length=253)
    container = models.CharField(max_length=63, blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["workflow", "-started_at"], name="exec_workflow_recent")]

    def __str__(self) -> str:
        return f"{self.user} exec {self.namespace}/{self.pod} at {self.started_at:%Y-%m-%d %H:%M}"
