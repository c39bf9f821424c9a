"""The Artifacts browser pages: login required, scoped to the user's teams like the canvas."""

from typing import Any

import pytest
from django.test import Client

from deployments.models.artifacts import Artifact
from workflows.models import Cluster
from workflows.templatetags import vite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def built_frontend(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pages only need an entry in the manifest, not a real build.
    monkeypatch.setattr(vite, "load_manifest", lambda: {"src/main.tsx": {"file": "main.js"}})


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def site_of(user: Any) -> Artifact:
    cluster = Cluster.objects.filter(team__memberships__user=user).first()
    assert cluster is not None
    return Artifact.objects.create(team=cluster.team, owner=user, name="site", cluster=cluster,
                                   namespace="default", current_revision=1)


def test_anonymous_is_sent_to_sign_in() -> None:
    response = Client().get("/artifacts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_and_detail_pages_mount_the_app(alice: Any, bob: Any, team: Any,
                                             charlie: Any) -> None:
    artifact = site_of(alice)
    listing = signed_in(alice).get("/artifacts/")
    assert listing.status_code == 200
    assert b'data-page="artifacts"' in listing.content
    detail = signed_in(alice).get(f"/artifacts/{artifact.pk}/")
    assert detail.status_code == 200
    assert b'data-page="artifact"' in detail.content
    assert f"&quot;artifactId&quot;: {artifact.pk}".encode() in detail.content
    assert b"<title>site" in detail.content
    # Not in charlie's teams (nor bob's: it is alice's personal team): it does not exist for them.
    assert signed_in(charlie).get(f"/artifacts/{artifact.pk}/").status_code == 404
    assert signed_in(bob).get(f"/artifacts/{artifact.pk}/").status_code == 404
    assert signed_in(alice).get("/artifacts/999999/").status_code == 404
