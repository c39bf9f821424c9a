from django.db import models


class WatcherLease(models.Model):
    """Who runs the node-health watchers. Several worker processes may each start a hub; only
    the one holding this row (renewed by compare-and-swap before it expires) opens watches, so
    the cluster sees one watch per resource type and namespace, not one per process."""

    name = models.CharField(max_length=64, unique=True)
    owner = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField()
    acquired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.owner or '-'} until {self.expires_at.isoformat()}"
