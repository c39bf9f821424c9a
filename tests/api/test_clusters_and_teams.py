"""Clusters keep credentials encrypted and write-only; teams manage their members."""

import pytest
from django.db import connection

from workflows.models import Cluster, Membership

pytestmark = pytest.mark.django_db

KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: prod, cluster: {server: "https://10.0.0.1:6443"}}]
users: [{name: admin, user: {token: "s3cr3t-token-value"}}]
contexts: [{name: prod, context: {cluster: prod, user: admin}}]
current-context: prod
"""


def test_credentials_are_write_only_and_encrypted_at_rest(as_alice):
    response = as_alice.post(
        "/v1/api/clusters",
        {
            "name": "prod",
            "connection_kind": "kubeconfig",
            "credentials": {"kubeconfig": KUBECONFIG, "context": "prod"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "credentials" not in body and body["has_credentials"] is True
    assert "s3cr3t" not in str(as_alice.get(f"/v1/api/clusters/{body['id']}").json())
    assert "s3cr3t" not in str(as_alice.get("/v1/api/clusters").json())
    with connection.cursor() as cursor:
        cursor.execute("select credentials from workflows_cluster where id = %s", [body["id"]])
        stored = cursor.fetchone()[0]
    assert "s3cr3t" not in stored and "kubeconfig" not in stored
    assert Cluster.objects.get(pk=body["id"]).credentials["context"] == "prod"


@pytest.mark.parametrize(
    ("kind", "credentials", "path"),
    [
        ("kubeconfig", {}, "credentials.kubeconfig"),
        ("kubeconfig", {"kubeconfig": "just: text"}, "credentials.kubeconfig"),
        ("kubeconfig", {"kubeconfig": "a: [unclosed"}, "credentials.kubeconfig"),
        ("token", {"server": "https://k"}, "credentials.token"),
        ("in-cluster", {"token": "x"}, "credentials.token"),
    ],
)
def test_bad_credentials_name_the_field(as_alice, kind, credentials, path):
    response = as_alice.post(
        "/v1/api/clusters",
        {"name": "c", "connection_kind": kind, "credentials": credentials},
        format="json",
    )
    assert response.status_code == 400
    assert path in {e["path"] for e in response.json()["errors"]}
    assert not Cluster.objects.filter(name="c").exists()


def test_every_user_gets_a_personal_team_with_a_sandbox_cluster(as_alice, alice):
    teams = as_alice.get("/v1/api/teams").json()["results"]
    assert [(t["name"], t["personal"], t["role"]) for t in teams] == [("alice", True, "admin")]
    clusters = as_alice.get("/v1/api/clusters").json()["results"]
    assert [(c["name"], c["connection_kind"]) for c in clusters] == [("sandbox", "sandbox")]


def test_cluster_in_use_cannot_be_deleted(as_alice):
    cluster = as_alice.get("/v1/api/clusters").json()["results"][0]
    as_alice.post("/v1/api/workflows", {"name": "w", "cluster": cluster["id"]}, format="json")
    response = as_alice.delete(f"/v1/api/clusters/{cluster['id']}")
    assert response.status_code == 409
    assert response.json()["code"] == "cluster_in_use"


def test_team_membership_management(as_alice, as_bob, alice, bob, make_user):
    make_user("erin")
    team = as_alice.post("/v1/api/teams", {"name": "payments"}, format="json").json()
    tid = team["id"]
    assert team["role"] == "admin"
    added = as_alice.post(
        f"/v1/api/teams/{tid}/members", {"username": "bob", "role": "viewer"}, format="json"
    )
    assert added.status_code == 201 and added.json()["role"] == "viewer"
    again = as_alice.post(f"/v1/api/teams/{tid}/members", {"username": "bob"}, format="json")
    assert again.status_code == 409
    nobody = as_alice.post(f"/v1/api/teams/{tid}/members", {"username": "zed"}, format="json")
    assert nobody.status_code == 400 and nobody.json()["errors"][0]["path"] == "username"
    assert as_bob.get(f"/v1/api/teams/{tid}").json()["role"] == "viewer"
    promoted = as_alice.patch(
        f"/v1/api/teams/{tid}/members/{bob.pk}", {"role": "admin"}, format="json"
    )
    assert promoted.json()["role"] == "admin"
    # alice may step down now that bob is an admin; the last admin may not.
    assert (
        as_alice.patch(
            f"/v1/api/teams/{tid}/members/{alice.pk}", {"role": "viewer"}, format="json"
        ).status_code
        == 200
    )
    last = as_bob.delete(f"/v1/api/teams/{tid}/members/{bob.pk}")
    assert last.status_code == 409 and last.json()["code"] == "last_admin"
    assert (
        as_bob.post(f"/v1/api/teams/{tid}/members", {"username": "erin"}, format="json").status_code
        == 201
    )
    assert Membership.objects.filter(team_id=tid).count() == 3


def test_personal_team_cannot_be_shared(as_alice, alice):
    personal = as_alice.get("/v1/api/teams").json()["results"][0]
    response = as_alice.post(
        f"/v1/api/teams/{personal['id']}/members", {"username": "alice"}, format="json"
    )
    assert response.status_code == 409
