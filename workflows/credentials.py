"""Who sees credential values in full, and the audit of every read (docs/credentials.md).

The rule, by the reader's role in the object's team and the environment's protection:

| role      | unprotected environment | protected environment |
|-----------|-------------------------|-----------------------|
| admin     | full                    | full                  |
| developer | full                    | masked                |
| viewer    | masked                  | masked                |
| outsider  | 404                     | 404                   |

Masked means `********` followed by the value's last 4 characters; a value shorter than
`MIN_PARTIAL` characters is masked entirely. Every read (masked or not) writes one
CredentialAccess row in the transaction that made the decision, so no value leaves the server
unless its audit row committed.
"""

from dataclasses import dataclass
from typing import Any

from workflows.models import CredentialAccess, Environment, Role

MASK = "********"
VISIBLE_TAIL = 4
# Below this length the last 4 characters would give away half the value or more.
MIN_PARTIAL = 8


@dataclass(frozen=True)
class Decision:
    masked: bool
    reason: str


@dataclass(frozen=True)
class Client:
    """Where a read came from, for the audit row."""

    ip: str | None = None
    user_agent: str = ""


def mask(value: str) -> str:
    """`********abcd`: the last 4 characters, or nothing of a short value. The mask's length
    never depends on the value's."""
    if len(value) < MIN_PARTIAL:
        return MASK
    return MASK + value[-VISIBLE_TAIL:]


def decide(role: str, protected: bool) -> Decision:
    if role == Role.ADMIN:
        return Decision(False, "team admin: full values")
    if role == Role.DEVELOPER:
        if protected:
            return Decision(True, "protected environment: developers see the last 4 characters")
        return Decision(False, "developer in an unprotected environment: full values")
    return Decision(True, "viewer: values are always masked")


def show(value: Any, decision: Decision) -> dict[str, Any]:
    text = "" if value is None else str(value)
    return {"value": mask(text) if decision.masked else text, "masked": decision.masked,
            "reason": decision.reason}


def is_protected(cluster_id: int, namespace: str) -> tuple[Environment | None, bool]:
    """The environment of (cluster, namespace) and whether it is protected (no row: not)."""
    environment = Environment.objects.filter(cluster_id=cluster_id, namespace=namespace).first()
    return environment, bool(environment and environment.protected)


def record_access(user: Any, *, team_id: int, target: str, via: str, revision: int | None,
                  cluster_id: int | None, namespace: str, protected: bool, role: str,
                  keys: list[str], decision: Decision, client: Client) -> CredentialAccess:
    """The audit row of one read; the caller holds the transaction of the decision."""
    return CredentialAccess.objects.create(
        team_id=team_id, user=user, target=target, via=via, revision=revision,
        cluster_id=cluster_id, namespace=namespace, protected=protected, role=role,
        keys=keys, masked=decision.masked, reason=decision.reason[:200],
        client_ip=client.ip or None, user_agent=client.user_agent[:400],
    )
