from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"  # also manages members, clusters and credentials
    DEVELOPER = "developer", "Developer"  # edits and runs
    VIEWER = "viewer", "Viewer"  # reads


# Which roles may do what: the one place a permission check looks.
CAN_WRITE = frozenset({Role.ADMIN, Role.DEVELOPER})
CAN_MANAGE = frozenset({Role.ADMIN})


class Team(models.Model):
    name = models.CharField(max_length=150)
    personal = models.BooleanField(
        default=False, help_text="The team every user gets for themselves."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.DEVELOPER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_user")
        ]
        ordering = ["team_id", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"
