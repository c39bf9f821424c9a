"""GET /api/artifacts/{id}/credentials and /api/deployments/{id}/credentials: who sees what,
masked how, and the exact audit row each read writes."""

from typing import Any

import pytest

from deployments.records import begin_deployment
from tests.credentials.conftest import API_SERVER, SECRETS
from tests.graphs import node
from workflows.models import CredentialAccess, Workflow

pytestmark = pytest.mark.django_db

KEYS = ["API_KEY", "DB_PASSWORD", "PIN", "connection.api_server"]
FULL = {"API_KEY": SECRETS["API_KEY"], "DB_PASSWORD": SECRETS["DB_PASSWORD"],
        "PIN": SECRETS["PIN"]}
# Last 4 characters; PIN has 7 characters, fewer than 8: masked entirely.
MASKED = {"API_KEY": "********abcd", "DB_PASSWORD": "********wxyz", "PIN": "********"}
ADMIN = "team admin: full values"
DEV_OPEN = "developer in an unprotected environment: full values"
DEV_PROTECTED = "protected environment: developers see the last 4 characters"
VIEWER = "viewer: values are always masked"


def read(client: Any, artifact: Any) -> Any:
    return client.get(f"/api/artifacts/{artifact.pk}/credentials",
                      HTTP_USER_AGENT="pytest-panel/1.0")


def values(body: dict) -> dict[str, str]:
    return {item["key"]: item["value"] for item in body["secrets"]}


def assert_shown(body: dict, masked: bool, reason: str) -> None:
    assert body["masked"] is masked
    assert body["reason"] == reason
    assert values(body) == (MASKED if masked else FULL)
    assert [(i["masked"], i["reason"]) for i in body["secrets"]] == [(masked, reason)] * 3
    assert body["connection"]["api_server"] == {
        "value": "********6443" if masked else API_SERVER, "masked": masked, "reason": reason}


def only_audit_row(user: Any, artifact: Any) -> CredentialAccess:
    rows = list(CredentialAccess.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert (row.user, row.team_id, row.target, row.via, row.revision) == (
        user, artifact.team_id, f"artifact:{artifact.pk}", "", 1)
    assert (row.cluster_id, row.namespace, row.keys) == (artifact.cluster_id, "shop", KEYS)
    assert (row.client_ip, row.user_agent) == ("127.0.0.1", "pytest-panel/1.0")
    return row


@pytest.mark.parametrize(
    ("persona", "protected", "masked", "reason"),
    [
        ("alice", False, False, ADMIN),
        ("alice", True, False, ADMIN),
        ("bob", False, False, DEV_OPEN),
        ("bob", True, True, DEV_PROTECTED),
    ],
)
def test_team_members(request: Any, artifact: Any, protect: Any, persona: str, protected: bool,
                      masked: bool, reason: str) -> None:
    if protected:
        protect()
    response = read(request.getfixturevalue(f"as_{persona}"), artifact)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert_shown(body, masked, reason)
    assert body["target"] == f"artifact:{artifact.pk}"
    assert body["revision"] == 1  # the serving revision, not the newer one still building
    assert body["role"] == ("admin" if persona == "alice" else "developer")
    assert body["environment"]["protected"] is protected
    connection = body["connection"]
    assert connection["cluster"] == "prod"
    assert connection["namespace"] == "shop"
    assert connection["service_dns"] == "shop.shop.svc.cluster.local"
    assert connection["url"] == "http://shop.shop.svc.cluster.local/"
    assert connection["image_ref"] == "registry.local/shop:r1"
    assert connection["secret_refs"] == [{"env": "TLS_KEY", "secret": "shop-tls",
                                          "key": "tls.key"}]
    row = only_audit_row(request.getfixturevalue(persona), artifact)
    assert (row.masked, row.protected, row.role, row.reason) == (
        masked, protected, body["role"], reason)
    assert body["audit_id"] == row.pk


@pytest.mark.parametrize("protected", [False, True])
def test_viewer_is_masked_everywhere(artifact: Any, bob: Any, as_bob: Any, make_role: Any,
                                     protect: Any, protected: bool) -> None:
    make_role(bob, "viewer")
    if protected:
        protect()
    body = read(as_bob, artifact).json()
    assert_shown(body, True, VIEWER)
    row = only_audit_row(bob, artifact)
    assert (row.masked, row.protected, row.role) == (True, protected, "viewer")


@pytest.mark.parametrize("protected", [False, True])
def test_outsider_gets_404_and_no_audit(artifact: Any, as_charlie: Any, anonymous: Any,
                                        protect: Any, protected: bool) -> None:
    if protected:
        protect()
    assert read(as_charlie, artifact).status_code == 404
    assert read(anonymous, artifact).status_code == 401
    assert CredentialAccess.objects.count() == 0


def test_protection_applies_from_the_next_read(artifact: Any, bob: Any, as_bob: Any,
                                               protect: Any) -> None:
    assert values(read(as_bob, artifact).json()) == FULL
    protect()
    assert values(read(as_bob, artifact).json()) == MASKED
    protect(protected=False)
    assert values(read(as_bob, artifact).json()) == FULL
    rows = CredentialAccess.objects.order_by("id")
    assert [(r.user, r.masked, r.protected) for r in rows] == [
        (bob, False, False), (bob, True, True), (bob, False, False)]


def test_protection_is_per_namespace(team: Any, cluster: Any, alice: Any, as_bob: Any,
                                     protect: Any) -> None:
    from tests.credentials.conftest import make_artifact

    staging = make_artifact(team, cluster, alice, namespace="staging", name="shop-staging")
    protect("shop")
    assert values(read(as_bob, staging).json()) == FULL


def test_deleted_artifact_is_404(artifact: Any, as_alice: Any) -> None:
    from deployments.models.artifacts import Artifact

    Artifact.objects.filter(pk=artifact.pk).update(status="deleted")
    assert read(as_alice, artifact).status_code == 404
    assert CredentialAccess.objects.count() == 0


def test_through_a_deployment_record(artifact: Any, alice: Any, bob: Any, as_bob: Any,
                                     as_charlie: Any, cluster: Any, protect: Any) -> None:
    record = begin_deployment(alice, cluster, artifact.target, "shop")
    protect()
    url = f"/api/deployments/{record.pk}/credentials"
    assert as_charlie.get(url).status_code == 404
    response = as_bob.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert_shown(body, True, DEV_PROTECTED)
    assert (body["target"], body["via"]) == (artifact.target, f"deployment:{record.pk}")
    row = CredentialAccess.objects.get()
    assert (row.user, row.target, row.via, row.masked, row.keys) == (
        bob, artifact.target, f"deployment:{record.pk}", True, KEYS)


def test_deployment_record_of_a_workflow(team: Any, alice: Any, bob: Any, as_bob: Any,
                                         cluster: Any) -> None:
    workflow = Workflow.objects.create(team=team, name="db", cluster=cluster, namespace="data",
                                       nodes=[node("db-secret", "secret", name="db",
                                                   data={"PASSWORD": "hunter2-hunter2"})])
    record = begin_deployment(alice, cluster, f"workflow:{workflow.pk}", "data")
    body = as_bob.get(f"/api/deployments/{record.pk}/credentials").json()
    assert body["secrets"] == [{"key": "db-secret:PASSWORD", "value": "hunter2-hunter2",
                                "masked": False, "reason": DEV_OPEN}]
    assert CredentialAccess.objects.get().keys == ["db-secret:PASSWORD",
                                                   "connection.api_server"]


def test_deployment_record_of_another_kind(alice: Any, as_alice: Any, cluster: Any) -> None:
    record = begin_deployment(alice, cluster, "job:7", "shop")
    response = as_alice.get(f"/api/deployments/{record.pk}/credentials")
    assert (response.status_code, response.json()["code"]) == (409, "no_credentials")
    assert CredentialAccess.objects.count() == 0
