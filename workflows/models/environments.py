"""Environments (a cluster and a namespace) and the audit of credential reads in them.

A protected environment shows secret values to developers masked (last 4 characters); team
admins always see them in full. Every read of a credentials panel writes a CredentialAccess row
in the same transaction that decided what to show (see docs/credentials.md).
"""

from django.conf import settings
from django.db import models

from workflows.models.clusters import Cluster
from workflows.models.teams import Team


class Environment(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="environments")
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="environments")
    namespace = models.CharField(max_length=63)
    protected = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cluster_id", "namespace"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "namespace"],
                                    name="one_environment_per_cluster_namespace")
        ]

    def __str__(self) -> str:
        flag = " (protected)" if self.protected else ""
        return f"{self.cluster_id}/{self.namespace}{flag}"


class CredentialAccess(models.Model):
    """One read of a credentials panel: who, when, what, which keys, masked or not, from where.

    Written by `workflows.credentials.record_access` only; never changed afterwards.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="credential_reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # What was read: "artifact:42"; `via` is the endpoint's object ("deployment:12") if not it.
    target = models.CharField(max_length=200)
    via = models.CharField(max_length=200, blank=True, default="")
    revision = models.PositiveIntegerField(null=True, blank=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    namespace = models.CharField(max_length=63)
    protected = models.BooleanField(help_text="the environment's protection at read time")
    role = models.CharField(max_length=16)
    # The secret keys and sensitive connection fields the response carried (never values).
    keys = models.JSONField(default=list)
    masked = models.BooleanField()
    reason = models.CharField(max_length=200)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "credential accesses"
        indexes = [models.Index(fields=["team", "-id"], name="credential_access_team_recent")]

    def __str__(self) -> str:
        how = "masked" if self.masked else "UNMASKED"
        return f"{self.user} read {self.target} {how} at {self.at:%Y-%m-%d %H:%M:%S}"
