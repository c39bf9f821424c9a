"""Environments: every member reads the list, only team admins mark one protected (bob 403,
charlie 404); the audit endpoint is for admins; the admin pages load."""

from typing import Any

import pytest
from django.urls import reverse

from workflows.models import CredentialAccess, Environment

pytestmark = pytest.mark.django_db


def mark(client: Any, cluster: Any, protected: bool = True, namespace: str = "shop") -> Any:
    return client.post("/api/environments",
                       {"cluster": cluster.pk, "namespace": namespace, "protected": protected},
                       format="json")


def test_admin_marks_and_toggles(as_alice: Any, alice: Any, cluster: Any) -> None:
    created = mark(as_alice, cluster)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["cluster"], body["cluster_name"], body["namespace"], body["protected"],
            body["updated_by"]) == (cluster.pk, "prod", "shop", True, "alice")
    again = mark(as_alice, cluster, protected=False)
    assert (again.status_code, again.json()["id"], again.json()["protected"]) == (
        200, body["id"], False)
    patched = as_alice.patch(f"/api/environments/{body['id']}", {"protected": True},
                             format="json")
    assert (patched.status_code, patched.json()["protected"]) == (200, True)
    assert Environment.objects.get().protected is True


def test_developer_gets_403_and_outsider_404(as_alice: Any, as_bob: Any, as_charlie: Any,
                                             cluster: Any) -> None:
    assert mark(as_bob, cluster).status_code == 403
    assert mark(as_charlie, cluster).status_code == 404
    assert Environment.objects.count() == 0
    environment_id = mark(as_alice, cluster).json()["id"]
    url = f"/api/environments/{environment_id}"
    assert as_bob.patch(url, {"protected": False}, format="json").status_code == 403
    assert as_charlie.patch(url, {"protected": False}, format="json").status_code == 404
    assert as_charlie.get(url).status_code == 404
    assert Environment.objects.get().protected is True


def test_members_read_the_list(as_alice: Any, as_bob: Any, as_charlie: Any, bob: Any,
                               make_role: Any, cluster: Any) -> None:
    mark(as_alice, cluster)
    mark(as_alice, cluster, protected=False, namespace="staging")
    make_role(bob, "viewer")
    listed = as_bob.get("/api/environments").json()
    assert [(e["namespace"], e["protected"]) for e in listed] == [
        ("shop", True), ("staging", False)]
    assert [e["namespace"] for e in as_bob.get("/api/environments?protected=true").json()] == [
        "shop"]
    assert as_charlie.get("/api/environments").json() == []
    assert as_bob.patch(f"/api/environments/{listed[0]['id']}", {"protected": False},
                        format="json").status_code == 403


def test_protection_change_emits_no_values(alice: Any, cluster: Any, monkeypatch: Any) -> None:
    from workflows.actions.environments import set_protection

    emitted: list[tuple] = []
    monkeypatch.setattr("deployments.events.emit", lambda *args: emitted.append(args))
    environment, _ = set_protection(alice, cluster, "shop", True)
    set_protection(alice, cluster, "shop", True)  # no change: no event
    set_protection(alice, cluster, "shop", False)
    assert [(e[2], e[3]["protected"], e[3]["previous"]) for e in emitted] == [
        ("environment.changed", True, None), ("environment.changed", False, True)]
    assert {e[1] for e in emitted} == {f"environment:{environment.pk}"}


def test_audit_endpoint_is_for_admins(artifact: Any, team: Any, alice: Any, as_alice: Any,
                                      as_bob: Any, as_charlie: Any) -> None:
    as_bob.get(f"/api/artifacts/{artifact.pk}/credentials")
    as_alice.get(f"/api/artifacts/{artifact.pk}/credentials")
    page = as_alice.get(f"/api/credential-access?team={team.pk}").json()
    assert [(r["user"], r["masked"], r["target"]) for r in page["results"]] == [
        ("alice", False, artifact.target), ("bob", False, artifact.target)]
    assert page["next"] is None
    assert as_alice.get("/api/credential-access").json()["results"] == page["results"]
    assert as_bob.get(f"/api/credential-access?team={team.pk}").status_code == 403
    assert as_bob.get("/api/credential-access").json()["results"] == []  # he admins nothing
    assert as_charlie.get(f"/api/credential-access?team={team.pk}").status_code == 404
    assert CredentialAccess.objects.count() == 2


@pytest.fixture
def operator(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("ops", "ops@example.com", "pw")
    client.force_login(user)
    return user


def test_admin_pages_load(operator: Any, client: Any, artifact: Any, as_bob: Any,
                          as_alice: Any, cluster: Any) -> None:
    environment_id = mark(as_alice, cluster).json()["id"]
    as_bob.get(f"/api/artifacts/{artifact.pk}/credentials")
    access = CredentialAccess.objects.get()
    for name in ("workflows_environment", "workflows_credentialaccess"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
    page = client.get(reverse("admin:workflows_credentialaccess_change", args=[access.pk]))
    assert page.status_code == 200
    # The audit row shows its keys, never a value.
    assert b"DB_PASSWORD" in page.content and b"s3cret" not in page.content
    assert client.get(reverse("admin:workflows_credentialaccess_add")).status_code == 403
    delete = reverse("admin:workflows_credentialaccess_delete", args=[access.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:workflows_environment_change",
                              args=[environment_id])).status_code == 200
    response = client.post(reverse("admin:workflows_environment_changelist"),
                           {"action": "unprotect", "_selected_action": [environment_id]})
    assert response.status_code == 302
    assert Environment.objects.get().protected is False
