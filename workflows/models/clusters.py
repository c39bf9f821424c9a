from django.db import models

from workflows.fields import EncryptedJSONField
from workflows.models.teams import Team


class ConnectionKind(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox cluster"
    KUBECONFIG = "kubeconfig", "Kubeconfig"
    TOKEN = "token", "Bearer token"
    IN_CLUSTER = "in-cluster", "In-cluster service account"


class Cluster(models.Model):
    """A Kubernetes cluster a team deploys to. Credentials are encrypted and never returned."""

    name = models.CharField(max_length=63)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="clusters")
    connection_kind = models.CharField(max_length=16, choices=ConnectionKind.choices)
    # kubeconfig kind: {"kubeconfig": "...", "context": "..."}; token kind:
    # {"server": "...", "token": "...", "ca_cert": "...", "insecure_skip_tls_verify": false}
    credentials = EncryptedJSONField(blank=True, default=dict)
    default_namespace = models.CharField(max_length=63, default="default")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="unique_cluster_name_per_team")
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)
