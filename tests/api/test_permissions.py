"""alice (team admin), bob (developer or viewer of her team) and charlie (outsider) against every
endpoint: viewers cannot write, developers cannot manage, outsiders see 404, anonymous gets 401."""

import pytest

from deployments.models import Run
from tests.conftest import token_client
from tests.graphs import web_app
from workflows.actions import versions, workflows
from workflows.actions.clusters import create_cluster
from workflows.models import Membership, WorkflowVersion

pytestmark = pytest.mark.django_db

READ, WRITE, MANAGE = "read", "write", "manage"

ENDPOINTS = [
    (READ, "get", "/v1/api/workflows/{w}", None),
    (READ, "get", "/v1/api/workflows/{w}/versions", None),
    (READ, "get", "/v1/api/workflows/{w}/versions/1", None),
    (READ, "get", "/v1/api/workflows/{w}/versions/compare?from=1&to=1", None),
    (READ, "get", "/v1/api/workflows/{w}/runs", None),
    (READ, "get", "/v1/api/runs/{r}", None),
    (READ, "get", "/v1/api/clusters/{c}", None),
    (READ, "get", "/v1/api/teams/{t}", None),
    (READ, "get", "/v1/api/teams/{t}/members", None),
    (WRITE, "patch", "/v1/api/workflows/{w}", {"description": "new"}),
    (WRITE, "post", "/v1/api/workflows/{w}/save", {"nodes": [], "edges": []}),
    (WRITE, "post", "/v1/api/workflows/{w}/publish", None),
    (WRITE, "post", "/v1/api/workflows/{w}/archive", None),
    (WRITE, "post", "/v1/api/workflows/{w}/draft", None),
    (WRITE, "post", "/v1/api/workflows/{w}/clone", {}),
    (WRITE, "post", "/v1/api/workflows/{w}/versions", {"name": "x"}),
    (WRITE, "post", "/v1/api/workflows/{w}/versions/1/restore", None),
    (WRITE, "delete", "/v1/api/workflows/{w}", None),
    (MANAGE, "patch", "/v1/api/clusters/{c}", {"default_namespace": "prod"}),
    (MANAGE, "delete", "/v1/api/clusters/{c}", None),
    (MANAGE, "post", "/v1/api/teams/{t}/members", {"username": "dave", "role": "viewer"}),
    (MANAGE, "patch", "/v1/api/teams/{t}/members/{a}", {"role": "developer"}),
    (MANAGE, "delete", "/v1/api/teams/{t}/members/{a}", None),
]
IDS = [f"{m}-{u.split('/v1/api/')[1]}" for _, m, u, _ in ENDPOINTS]


@pytest.fixture
def world(alice, team, make_user):
    make_user("dave")
    nodes, edges = web_app()
    workflow = workflows.create_workflow(
        alice,
        team=team,
        name="shop",
        nodes=nodes,
        edges=edges,
        cluster=team.clusters.get(name="sandbox"),
    )
    version = versions.create_version(alice, workflow)
    run = Run.objects.create(workflow=workflow, version=version)
    cluster = create_cluster(alice, team=team, name="prod", connection_kind="in-cluster")
    return {"w": workflow.pk, "r": run.pk, "c": cluster.pk, "t": team.pk, "a": alice.pk}


def call(client, method, url, body, world):
    return getattr(client, method)(url.format(**world), body, format="json")


def allowed(response) -> bool:
    # 409 means the request was authorized and reached the state machine.
    return response.status_code < 400 or response.status_code == 409


@pytest.mark.parametrize(("level", "method", "url", "body"), ENDPOINTS, ids=IDS)
def test_alice_the_admin_may_do_everything(as_alice, world, level, method, url, body):
    response = call(as_alice, method, url, body, world)
    assert allowed(response), response.content


@pytest.mark.parametrize(("level", "method", "url", "body"), ENDPOINTS, ids=IDS)
def test_bob_the_developer_reads_and_writes_but_does_not_manage(
    as_bob, world, level, method, url, body
):
    response = call(as_bob, method, url, body, world)
    if level == MANAGE:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"
    else:
        assert allowed(response), response.content


@pytest.mark.parametrize(("level", "method", "url", "body"), ENDPOINTS, ids=IDS)
def test_bob_the_viewer_only_reads(as_bob, bob, team, world, level, method, url, body):
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    response = call(as_bob, method, url, body, world)
    if level == READ:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403, response.content
    assert WorkflowVersion.objects.filter(workflow_id=world["w"]).count() == 1


@pytest.mark.parametrize(("level", "method", "url", "body"), ENDPOINTS, ids=IDS)
def test_charlie_the_outsider_gets_404(as_charlie, world, level, method, url, body):
    response = call(as_charlie, method, url, body, world)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("level", "method", "url", "body"), ENDPOINTS, ids=IDS)
def test_anonymous_gets_401(anonymous, world, level, method, url, body):
    response = call(anonymous, method, url, body, world)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_lists_show_only_your_teams(as_charlie, as_bob, world):
    for url in ("/v1/api/workflows", "/v1/api/clusters", "/v1/api/teams"):
        charlie_sees = as_charlie.get(url).json()["results"]
        assert all(item["id"] not in world.values() for item in charlie_sees), url
    assert world["w"] in [w["id"] for w in as_bob.get("/v1/api/workflows").json()["results"]]


def test_creating_in_a_team_follows_roles(charlie, bob, team, world):
    body = {"name": "x", "team": team.pk}
    assert token_client(charlie).post("/v1/api/workflows", body, format="json").status_code == 400
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    assert token_client(bob).post("/v1/api/workflows", body, format="json").status_code == 403
    cluster = {"name": "c2", "team": team.pk, "connection_kind": "in-cluster"}
    Membership.objects.filter(team=team, user=bob).update(role="developer")
    assert token_client(bob).post("/v1/api/clusters", cluster, format="json").status_code == 403
    assert token_client(bob).post("/v1/api/workflows", body, format="json").status_code == 201
