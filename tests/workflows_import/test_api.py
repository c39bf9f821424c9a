"""POST /v1/api/workflows/import, GET /v1/api/starters, POST /v1/api/starters/{id}/create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflows.graph import validate_graph
from workflows.models import Membership, Workflow

pytestmark = pytest.mark.django_db

IMPORT = "/v1/api/workflows/import"
DUMP = (Path(__file__).parent / "cluster_dump.yaml").read_text()


def body(**extra: Any) -> dict[str, Any]:
    return {"name": "shop", "yaml": DUMP, **extra}


def test_import_creates_a_valid_workflow_with_warnings(as_alice: Any) -> None:
    response = as_alice.post(IMPORT, body(namespace="shop"), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["name"] == "shop" and created["namespace"] == "shop"
    assert created["status"] == "draft"
    assert len(created["nodes"]) == 19 and len(created["edges"]) == 16
    assert any("ClusterRole" in warning for warning in created["warnings"])
    stored = Workflow.objects.get(pk=created["id"])
    assert validate_graph(stored.nodes, stored.edges, default_namespace="shop") == []
    # The same workflow as any other: readable through the workflow endpoints.
    again = as_alice.get(f"/v1/api/workflows/{created['id']}").json()
    assert again["nodes"] == created["nodes"]


def test_import_defaults_to_the_personal_team_and_its_sandbox(as_alice: Any, alice: Any) -> None:
    created = as_alice.post(IMPORT, body(), format="json").json()
    stored = Workflow.objects.get(pk=created["id"])
    assert stored.team.personal and stored.cluster.name == "sandbox"
    assert stored.namespace == stored.cluster.default_namespace
    # Objects of the dump live in "shop", not the workflow's namespace: they keep it.
    assert {n["data"].get("namespace") for n in created["nodes"]} == {"shop"}


def test_invalid_yaml_is_a_400_with_the_line(as_alice: Any) -> None:
    response = as_alice.post(IMPORT, body(yaml="kind: ConfigMap\nmetadata: {name: [x\n"),
                             format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    [item] = error["errors"]
    assert item["path"] == "yaml" and item["message"].startswith("line 3, column 1: ")
    assert Workflow.objects.count() == 0


def test_a_document_that_is_not_an_object_is_a_400(as_alice: Any) -> None:
    response = as_alice.post(IMPORT, body(yaml="just a string\n"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("document 1 (line 1): ")


def test_missing_fields_are_400(as_alice: Any) -> None:
    response = as_alice.post(IMPORT, {"yaml": DUMP}, format="json")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["name"]


def test_developers_of_a_shared_team_may_import(as_bob: Any, team: Any) -> None:
    response = as_bob.post(IMPORT, body(team=team.pk), format="json")
    assert response.status_code == 201
    assert Workflow.objects.get(pk=response.json()["id"]).team == team


def test_viewers_may_not_import(as_bob: Any, bob: Any, team: Any) -> None:
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    response = as_bob.post(IMPORT, body(team=team.pk), format="json")
    assert response.status_code == 403
    # Refused before the YAML is even read: broken YAML gets the same answer.
    broken = as_bob.post(IMPORT, body(team=team.pk, yaml="a: [\n"), format="json")
    assert broken.status_code == 403
    assert Workflow.objects.count() == 0


def test_outsiders_cannot_name_another_team(as_charlie: Any, team: Any) -> None:
    response = as_charlie.post(IMPORT, body(team=team.pk), format="json")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["team"]
    missing = as_charlie.post(IMPORT, body(team=999_999), format="json").json()
    # The same answer for another team and no team at all: nothing is learnt.
    assert missing["errors"][0]["message"].replace("999999", str(team.pk)) == \
        response.json()["errors"][0]["message"]


def test_outsiders_cannot_use_another_team_s_cluster(as_charlie: Any, team: Any) -> None:
    cluster = team.clusters.get(name="sandbox")
    response = as_charlie.post(IMPORT, body(cluster=cluster.pk), format="json")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["cluster"]


def test_anonymous_gets_401(anonymous: Any) -> None:
    assert anonymous.post(IMPORT, body(), format="json").status_code == 401
    assert anonymous.get("/v1/api/starters").status_code == 401
    assert anonymous.post("/v1/api/starters/static-site/create", {}, format="json") \
        .status_code == 401


def test_import_is_not_taken_for_a_workflow_id(as_alice: Any) -> None:
    assert as_alice.get(IMPORT).status_code == 405
    assert as_alice.post(IMPORT + "/", body(), format="json").status_code == 201


# --- starters -------------------------------------------------------------------------------


def test_starters_are_listed(as_alice: Any) -> None:
    starters = as_alice.get("/v1/api/starters").json()
    ids = [starter["id"] for starter in starters]
    assert ids == ["web-postgres", "worker-redis", "scheduled-job", "static-site"]
    for starter in starters:
        assert set(starter) == {"id", "name", "description", "nodes", "edges"}


@pytest.mark.parametrize("starter_id", ["web-postgres", "worker-redis", "scheduled-job",
                                        "static-site"])
def test_a_workflow_is_created_from_each_starter(as_alice: Any, starter_id: str) -> None:
    response = as_alice.post(f"/v1/api/starters/{starter_id}/create", {}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    starter = next(s for s in as_alice.get("/v1/api/starters").json() if s["id"] == starter_id)
    assert created["name"] == starter["name"]
    assert created["description"] == starter["description"]
    assert (created["nodes"], created["edges"]) == (starter["nodes"], starter["edges"])


def test_starter_creation_takes_a_name_team_and_namespace(as_bob: Any, team: Any) -> None:
    response = as_bob.post("/v1/api/starters/static-site/create",
                           {"name": "blog", "team": team.pk, "namespace": "blog"},
                           format="json")
    assert response.status_code == 201
    stored = Workflow.objects.get(pk=response.json()["id"])
    assert (stored.name, stored.team, stored.namespace) == ("blog", team, "blog")


def test_starter_creation_follows_roles(as_bob: Any, bob: Any, as_charlie: Any,
                                        team: Any) -> None:
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    url = "/v1/api/starters/static-site/create"
    assert as_bob.post(url, {"team": team.pk}, format="json").status_code == 403
    assert as_charlie.post(url, {"team": team.pk}, format="json").status_code == 400


def test_unknown_starter_is_404(as_alice: Any) -> None:
    response = as_alice.post("/v1/api/starters/nope/create", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
