"""Team-based access: which objects a user can see, and what their role lets them do.

Anything outside the user's teams is invisible (404, never 403), so object ids leak nothing.
"""

from typing import Any

from django.db.models import Model, QuerySet

from kubeorch.errors import PermissionDenied
from workflows.models import Membership, Role, Team
from workflows.models.teams import CAN_MANAGE, CAN_WRITE

READ = "read"
WRITE = "write"
MANAGE = "manage"

_ALLOWED = {READ: frozenset(Role), WRITE: CAN_WRITE, MANAGE: CAN_MANAGE}
_VERBS = {READ: "read", WRITE: "change", MANAGE: "manage"}


def visible_teams(user: Any) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user)


def scoped(queryset: QuerySet, user: Any, team_path: str = "team") -> QuerySet:
    """Restrict a queryset to the objects of the user's teams."""
    return queryset.filter(**{f"{team_path}__memberships__user": user})


def role_in(user: Any, team_id: int) -> str | None:
    return (
        Membership.objects.filter(user=user, team_id=team_id).values_list("role", flat=True).first()
    )


def require(user: Any, team_id: int, level: str, what: Model | str = "this object") -> str:
    """Raise PermissionDenied unless the user's role in the team allows `level`."""
    role = role_in(user, team_id)
    if role is None or role not in _ALLOWED[level]:
        needed = "an admin" if level == MANAGE else "a developer or admin"
        raise PermissionDenied(
            f"you need to be {needed} of the team to {_VERBS[level]} {what}",
            code="permission_denied",
        )
    return role
