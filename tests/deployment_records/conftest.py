"""Deployment-record fixtures: alice's shared team's sandbox cluster and API helpers."""

from typing import Any

import pytest


@pytest.fixture
def cluster(team: Any) -> Any:
    return team.clusters.get(name="sandbox")


@pytest.fixture
def begin(as_alice: Any, cluster: Any):
    """POST /api/deployments as alice (or `client`); returns the response."""

    def begin(target: str = "artifact:1", client: Any = None, **extra: Any) -> Any:
        body = {"target": target, "cluster": cluster.pk, "namespace": "shop", **extra}
        return (client or as_alice).post("/api/deployments", body, format="json")

    return begin


@pytest.fixture
def make_viewer(team: Any, alice: Any):
    def make(user: Any) -> None:
        from workflows.models import Membership

        Membership.objects.filter(team=team, user=user).update(role="viewer")

    return make
