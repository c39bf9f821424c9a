"""/api/artifacts: who may do what (alice owns, bob develops, charlie is outside), what bad
input gets, and what delete removes. Pipelines are not needed here except for delete."""

from pathlib import Path

import pytest

from deployments.models import Event
from deployments.models.artifacts import Artifact, ArtifactRevision
from tests.artifacts.conftest import STATIC_SITE, unique_namespace

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_pipeline(monkeypatch, settings, tmp_path):
    settings.KUBEORCH_ARTIFACT_STORE = tmp_path / "store"
    monkeypatch.setattr("deployments.artifacts.actions.enqueue", lambda *args: None)


def post(client, team=None, **body):
    body = {"name": "site", "files": STATIC_SITE, "namespace": unique_namespace(), **body}
    if team is not None:
        body["cluster"] = team.clusters.get(name="sandbox").pk
    return client.post("/api/artifacts", body, format="json")


def test_personas(as_alice, as_bob, as_charlie, team, no_pipeline):
    created = post(as_alice, team)
    assert created.status_code == 202, created.json()
    artifact_id = created.json()["artifact_id"]
    assert as_bob.get(f"/api/artifacts/{artifact_id}").status_code == 200
    bob_update = as_bob.put(f"/api/artifacts/{artifact_id}", {"port": 8081}, format="json")
    assert bob_update.status_code == 202 and bob_update.json()["revision"] == 2
    for call in (lambda: as_charlie.get(f"/api/artifacts/{artifact_id}"),
                 lambda: as_charlie.put(f"/api/artifacts/{artifact_id}", {}, format="json"),
                 lambda: as_charlie.post(f"/api/artifacts/{artifact_id}/cancel"),
                 lambda: as_charlie.get(f"/api/artifacts/{artifact_id}/versions"),
                 lambda: as_charlie.get(f"/api/artifacts/{artifact_id}/logs"),
                 lambda: as_charlie.delete(f"/api/artifacts/{artifact_id}")):
        assert call().status_code == 404
    assert as_charlie.get("/api/artifacts").json()["results"] == []
    assert [a["id"] for a in as_bob.get("/api/artifacts").json()["results"]] == [artifact_id]
    charlie_deploy = post(as_charlie, team)
    assert charlie_deploy.status_code == 400
    assert charlie_deploy.json()["errors"][0]["path"] == "cluster"


def test_viewer_cannot_deploy(as_bob, bob, team, no_pipeline):
    from workflows.models import Membership

    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    refused = post(as_bob, team)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not Artifact.objects.exists()


@pytest.mark.parametrize(("body", "path"), [
    ({"name": "Bad_Name"}, "name"),
    ({"files": {"../etc/passwd": "x"}}, "files.../etc/passwd"),
    ({"files": {}}, "files"),
    ({"files": {"notes.txt": "nothing to build"}}, "files"),
    ({"port": 70000}, "port"),
    ({"env": {"1BAD": "x"}}, "env"),
    ({"files": {"a.html": "!!"}, "files_encoding": "base64"}, "files.a.html"),
])
def test_bad_input_names_the_field_and_writes_nothing(as_alice, team, no_pipeline, body, path):
    response = post(as_alice, team, **body)
    assert response.status_code == 400, response.json()
    assert path in [e["path"] for e in response.json()["errors"]], response.json()
    assert not Artifact.objects.exists() and not ArtifactRevision.objects.exists()


def test_duplicate_name_is_a_conflict(as_alice, team, no_pipeline):
    first = post(as_alice, team).json()["artifact_id"]
    again = post(as_alice, team)
    assert again.status_code == 409
    assert again.json()["code"] == "artifact_exists" and again.json()["artifact_id"] == first


def test_secrets_are_masked_and_never_in_events(as_alice, team, no_pipeline):
    created = post(as_alice, team, secrets={"API_KEY": "s3cr3t-value-1234"}).json()
    detail = as_alice.get(f"/api/artifacts/{created['artifact_id']}").json()
    assert detail["revision"]["secrets"] == {"API_KEY": "********"}
    versions = as_alice.get(f"/api/artifacts/{created['artifact_id']}/versions").json()
    assert "s3cr3t" not in str(versions) and "s3cr3t" not in str(detail)
    assert not Event.objects.filter(payload__icontains="s3cr3t").exists()


def test_list_is_keyset_paginated_and_filters_by_status(as_alice, team, no_pipeline):
    ids = [post(as_alice, team, name=f"site-{n}").json()["artifact_id"] for n in range(5)]
    page = as_alice.get("/api/artifacts?limit=2").json()
    assert [a["id"] for a in page["results"]] == ids[::-1][:2]
    following = as_alice.get(f"/api/artifacts?limit=2&cursor={page['next']}").json()
    assert [a["id"] for a in following["results"]] == ids[::-1][2:4]
    assert len(as_alice.get("/api/artifacts?status=pending").json()["results"]) == 5
    assert as_alice.get("/api/artifacts?status=running").json()["results"] == []
    assert as_alice.get("/api/artifacts?status=nonsense").status_code == 400


def test_tar_upload(as_alice, team, no_pipeline):
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"<h1>from a tarball</h1>"
        info = tarfile.TarInfo("index.html")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    buffer.name = "site.tar.gz"
    response = as_alice.post("/api/artifacts", {"name": "tarred", "archive": buffer,
                                                "namespace": unique_namespace(),
                                                "cluster": team.clusters.get(name="sandbox").pk},
                             format="multipart")
    assert response.status_code == 202, response.json()
    revision = ArtifactRevision.objects.get(artifact_id=response.json()["artifact_id"])
    assert revision.language == "static"


@pytest.mark.django_db(transaction=True)
def test_delete_removes_workload_source_and_record(alice, as_alice, as_charlie, pipeline, deploy,
                                                   wait_artifact, settings):
    from deployments.sandbox import resources as R
    from tests.artifacts.events import artifact_events

    artifact = wait_artifact(deploy("gone", STATIC_SITE)["artifact_id"])
    assert as_charlie.delete(f"/api/artifacts/{artifact['id']}").status_code == 404
    response = as_alice.delete(f"/api/artifacts/{artifact['id']}")
    assert response.status_code == 202 and response.json()["status"] == "deleted"
    assert as_alice.get(f"/api/artifacts/{artifact['id']}").status_code == 404
    events = artifact_events(alice, artifact["id"], until=lambda e: e["type"] ==
                             "artifact.deleted", timeout=30)
    assert events[-1]["payload"] == {"artifact_id": artifact["id"], "name": "gone",
                                     "timestamp": events[-1]["payload"]["timestamp"]}
    assert not Artifact.objects.filter(pk=artifact["id"]).exists()
    assert pipeline.api.find(R.DEPLOYMENTS, artifact["namespace"], "gone") is None
    assert pipeline.api.find(R.SERVICES, artifact["namespace"], "gone") is None
    assert not list(Path(settings.KUBEORCH_ARTIFACT_STORE).rglob("*.tar.gz"))
