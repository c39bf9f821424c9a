"""Cluster mutations: only team admins manage clusters and their credentials."""

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from kubeorch.errors import Conflict, InvalidInput
from kubeorch.errors import FieldError as E
from workflows.models import Cluster
from workflows.permissions import MANAGE, require


def _refuse_duplicate_name(team_id: int, name: str, exclude: int | None = None) -> None:
    same_name = Cluster.objects.filter(team_id=team_id, name=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise InvalidInput(
            "a cluster with this name exists",
            [E("name", f"the team already has a cluster {name!r}")],
        )


@transaction.atomic
def create_cluster(actor: Any, **fields: Any) -> Cluster:
    require(actor, fields["team"].id, MANAGE, "clusters")
    _refuse_duplicate_name(fields["team"].id, fields["name"])
    return Cluster.objects.create(**fields)


@transaction.atomic
def update_cluster(actor: Any, cluster: Cluster, **fields: Any) -> Cluster:
    require(actor, cluster.team_id, MANAGE, "clusters")
    if "name" in fields:
        _refuse_duplicate_name(cluster.team_id, fields["name"], exclude=cluster.pk)
    for key, value in fields.items():
        setattr(cluster, key, value)
    cluster.save()
    return cluster


@transaction.atomic
def delete_cluster(actor: Any, cluster: Cluster) -> None:
    require(actor, cluster.team_id, MANAGE, "clusters")
    try:
        cluster.delete()
    except ProtectedError as exc:
        names = ", ".join(sorted({str(w) for w in exc.protected_objects}))
        raise Conflict(
            f"cluster {cluster.name} is used by workflows ({names}); move or delete them first",
            code="cluster_in_use",
        ) from exc
