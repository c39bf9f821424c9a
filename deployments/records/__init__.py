"""The transition authority of deployment records (see docs/deployment-records.md).

Every write to a Deployment or an Attempt goes through these functions.
"""

from deployments.records.authority import (
    Outcome,
    begin_deployment,
    new_attempt,
    transition_attempt,
    transition_deployment,
)
from deployments.records.cluster import reconcile, teardown
from deployments.records.history import Page, history
from deployments.records.leases import expire_leases, renew_lease

__all__ = [
    "Outcome",
    "Page",
    "begin_deployment",
    "expire_leases",
    "history",
    "new_attempt",
    "reconcile",
    "renew_lease",
    "teardown",
    "transition_attempt",
    "transition_deployment",
]
