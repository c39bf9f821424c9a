"""Credentials fixtures: a token-kind cluster in alice's shared team and an artifact on it with
a serving revision holding secrets (made through the models: no pipeline, no worker)."""

from typing import Any

import pytest
from django.utils import timezone

from deployments.models.artifacts import Artifact, ArtifactRevision
from workflows.models import Cluster, Membership

API_SERVER = "https://k8s.prod.example.com:6443"
SECRETS = {"DB_PASSWORD": "s3cret-db-password-wxyz", "API_KEY": "ak_live_0123456789abcd",
           "PIN": "1234567"}


@pytest.fixture
def cluster(team: Any) -> Cluster:
    return Cluster.objects.create(team=team, name="prod", connection_kind="token",
                                  credentials={"server": API_SERVER, "token": "cluster-token"})


def make_artifact(team: Any, cluster: Cluster, owner: Any, namespace: str = "shop",
                  name: str = "shop") -> Artifact:
    artifact = Artifact.objects.create(
        team=team, owner=owner, name=name, cluster=cluster, namespace=namespace,
        current_revision=2, serving_revision=1, url=f"http://{name}.{namespace}.svc.cluster.local/",
        image_ref=f"registry.local/{name}:r1")
    ArtifactRevision.objects.create(
        artifact=artifact, number=1, port=8080, secrets=SECRETS, not_before=timezone.now(),
        secret_refs=[{"env": "TLS_KEY", "secret": "shop-tls", "key": "tls.key"}],
        image_ref=f"registry.local/{name}:r1", url=artifact.url)
    # The newest revision is still building: the serving one's secrets are the deployment's.
    ArtifactRevision.objects.create(
        artifact=artifact, number=2, port=8080, secrets={"DB_PASSWORD": "not-yet-serving"},
        not_before=timezone.now())
    return artifact


@pytest.fixture
def artifact(team: Any, cluster: Cluster, alice: Any) -> Artifact:
    return make_artifact(team, cluster, alice)


@pytest.fixture
def protect(alice: Any, cluster: Cluster):
    def protect(namespace: str = "shop", protected: bool = True) -> Any:
        from workflows.actions.environments import set_protection

        return set_protection(alice, cluster, namespace, protected)[0]

    return protect


@pytest.fixture
def make_role(team: Any):
    def make(user: Any, role: str) -> None:
        Membership.objects.filter(team=team, user=user).update(role=role)

    return make
