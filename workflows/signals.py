"""Every user gets a personal team the moment they are created."""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="personal_team")
def create_personal_team(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        from workflows.actions.teams import create_personal_team as create

        create(instance)
