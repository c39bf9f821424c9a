"""Team and membership mutations."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from kubeorch.errors import Conflict, InvalidInput, NotFound
from kubeorch.errors import FieldError as E
from workflows.models import Cluster, ConnectionKind, Membership, Role, Team
from workflows.permissions import MANAGE, require


@transaction.atomic
def create_team(user: Any, name: str, *, personal: bool = False) -> Team:
    team = Team.objects.create(name=name, personal=personal)
    Membership.objects.create(team=team, user=user, role=Role.ADMIN)
    if settings.KUBEORCH_SANDBOX:
        # Every team can run at once on the embedded sandbox cluster.
        Cluster.objects.create(
            team=team, name="sandbox", connection_kind=ConnectionKind.SANDBOX, credentials={}
        )
    return team


def create_personal_team(user: Any) -> Team:
    return create_team(user, user.get_username(), personal=True)


@transaction.atomic
def add_member(actor: Any, team: Team, username: str, role: str) -> Membership:
    require(actor, team.id, MANAGE, "the team's members")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise InvalidInput("no such user", [E("username", f"no user named {username!r}")])
    if team.personal:
        raise Conflict("a personal team cannot have other members; create a team to share")
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if not created:
        raise Conflict(f"{username} is already a member of {team.name}", code="already_member")
    return membership


@transaction.atomic
def change_role(actor: Any, membership: Membership, role: str) -> Membership:
    require(actor, membership.team_id, MANAGE, "the team's members")
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(actor: Any, membership: Membership) -> None:
    if membership.user_id != actor.id:  # leaving a team needs no admin role
        require(actor, membership.team_id, MANAGE, "the team's members")
    if membership.role == Role.ADMIN:
        _keep_an_admin(membership)
    membership.delete()


def _keep_an_admin(membership: Membership) -> None:
    admins = Membership.objects.select_for_update().filter(
        team_id=membership.team_id, role=Role.ADMIN
    )
    if admins.count() <= 1:
        raise Conflict("a team must keep at least one admin", code="last_admin")


def get_membership(team: Team, user_id: int) -> Membership:
    membership = Membership.objects.filter(team=team, user_id=user_id).first()
    if membership is None:
        raise NotFound("no such member")
    return membership
