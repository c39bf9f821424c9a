"""Environment mutations: only team admins mark a (cluster, namespace) protected or not."""

from typing import Any

from django.db import transaction

from workflows.models import Cluster, Environment
from workflows.permissions import MANAGE, require

ENVIRONMENT_CHANGED = "environment.changed"


def _emit_changed(environment: Environment, previous: bool | None, actor: Any) -> None:
    from deployments.events import emit

    emit(environment.team_id, f"environment:{environment.pk}", ENVIRONMENT_CHANGED, {
        "environment_id": environment.pk, "cluster": environment.cluster_id,
        "namespace": environment.namespace, "protected": environment.protected,
        "previous": previous, "by": actor.get_username() if actor is not None else None,
    })


@transaction.atomic
def set_protection(actor: Any, cluster: Cluster, namespace: str,
                   protected: bool) -> tuple[Environment, bool]:
    """Create or update the environment of (cluster, namespace); returns it and whether it was
    created. No change, no write and no event."""
    require(actor, cluster.team_id, MANAGE, "environments")
    return _set(actor, cluster, namespace, protected)


def set_protection_as_operator(environment: Environment, protected: bool) -> Environment:
    """Django admin: an operator (superuser) acts outside team roles."""
    with transaction.atomic():
        return _set(None, environment.cluster, environment.namespace, protected)[0]


def _set(actor: Any, cluster: Cluster, namespace: str,
         protected: bool) -> tuple[Environment, bool]:
    environment, created = Environment.objects.select_for_update().get_or_create(
        cluster=cluster, namespace=namespace,
        defaults={"team_id": cluster.team_id, "protected": protected, "updated_by": actor},
    )
    if created:
        _emit_changed(environment, None, actor)
        return environment, True
    if environment.protected != protected:
        previous = environment.protected
        environment.protected = protected
        environment.updated_by = actor
        environment.save(update_fields=["protected", "updated_by", "updated_at"])
        _emit_changed(environment, previous, actor)
    return environment, False
