from django.db import models


class Event(models.Model):
    """Append-only log of everything that changed; ids increase, so clients resume by id."""

    team_id = models.BigIntegerField(db_index=True)
    topic = models.CharField(max_length=100)  # e.g. "workflow:12", "artifact:7"
    type = models.CharField(max_length=64)  # e.g. "run.status_changed"
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["topic", "id"], name="event_topic_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} on {self.topic}"
