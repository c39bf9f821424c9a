"""The MCP server at /mcp, driven by the MCP SDK's client against a live Daphne server: the
eight artifact tools over the same service and serializers as /api/artifacts, API-token
authentication, and the personas (alice owns the team, bob develops in it, charlie is outside).
"""

import asyncio
import time
from typing import Any

import httpx2
import pytest
from mcp import MCPError

from deployments.sandbox import resources as R
from tests.mcp.conftest import agent
from workflows.models import Cluster

pytestmark = pytest.mark.django_db(transaction=True)

TOOLS = {"deploy_artifact", "update_artifact", "delete_artifact", "get_artifact_status",
         "get_artifact_logs", "list_artifacts", "list_versions", "rollback_artifact"}
SITE = {"index.html": "<h1>hi</h1>"}


def test_lists_the_eight_tools_with_documented_inputs(live_url, alice, token_of):
    token = token_of(alice)

    async def scenario() -> list[Any]:
        async with agent(live_url, token) as a:
            return list((await a.session.list_tools()).tools)

    tools = asyncio.run(scenario())
    assert {tool.name for tool in tools} == TOOLS and len(tools) == 8
    for tool in tools:
        assert tool.description, tool.name
        properties = tool.input_schema["properties"]
        assert properties, tool.name
        for name, schema in properties.items():
            assert schema.get("description"), f"{tool.name}.{name} is undocumented"
    deploy = next(t for t in tools if t.name == "deploy_artifact")
    assert set(deploy.input_schema["required"]) == {"name", "files"}


def test_without_a_valid_token_the_endpoint_answers_401(live_url, alice, token_of):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Token not-a-token"},
                    {"Authorization": "Basic YWxpY2U6cHc="}):
        response = httpx2.post(f"{live_url}/mcp", json=initialize,
                               headers={**accept, **headers})
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"
    # The same token as `Bearer` (what generic MCP clients send) is let through.
    response = httpx2.post(f"{live_url}/mcp", json=initialize,
                           headers={**accept, "Authorization": f"Bearer {token_of(alice)}"})
    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"]["name"] == "kubeorch"

    statuses: list[int] = []

    async def scenario() -> None:
        async with agent(live_url, None, statuses):
            pass

    with pytest.raises(BaseException) as raised:  # the SDK client cannot initialize
        asyncio.run(scenario())
    assert any(isinstance(e, MCPError) for e in leaves(raised.value)), raised.value
    assert statuses == [401]


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def test_invalid_input_is_the_rest_api_error(live_url, alice, team, as_alice, token_of,
                                             settings):
    bad = {"name": "Bad_Name", "files": SITE}
    rest = as_alice.post("/api/artifacts", bad, format="json")
    assert rest.status_code == 400
    token = token_of(alice)

    async def scenario() -> tuple[dict, dict, dict]:
        async with agent(live_url, token) as a:
            return (await a.fail("deploy_artifact", **bad),
                    await a.fail("deploy_artifact", name="site"),
                    await a.fail("list_artifacts", status="nonsense"))

    error, no_files, bad_status = asyncio.run(scenario())
    assert error == {**rest.json(), "status": 400}
    assert [e["path"] for e in error["errors"]] == ["name"]
    assert no_files == {"code": "invalid", "message": "files: This field is required.",
                        "errors": [{"path": "files", "message": "This field is required."}],
                        "status": 400}
    assert bad_status["errors"][0]["path"] == "status"


def test_an_agent_deploys_follows_updates_rolls_back_and_deletes(
        live_url, pipeline, alice, bob, charlie, team, token_of):
    alice_token, bob_token, charlie_token = token_of(alice), token_of(bob), token_of(charlie)
    cluster = Cluster.objects.get(team=team).pk  # the team's sandbox (each has a personal one)

    async def scenario() -> None:
        async with agent(live_url, alice_token) as a:
            accepted = await a.call("deploy_artifact", name="site", files=SITE,
                                    cluster=cluster, namespace="mcp-site")
            assert accepted["status"] == "pending" and accepted["revision"] == 1
            artifact_id = accepted["artifact_id"]
            running = await a.wait(artifact_id)
            assert running["status"] == "running", running["error"]
            assert running["serving_revision"] == 1 and running["url"]
            assert [s["status"] for s in running["revision"]["stages"]] == ["succeeded"] * 4

            page = await a.call("list_artifacts")
            assert [item["id"] for item in page["results"]] == [artifact_id]
            assert (await a.call("list_artifacts", status="failed"))["results"] == []

            build = await a.call("get_artifact_logs", artifact_id=artifact_id, stage="build")
            assert build["lines"] and {line["stage"] for line in build["lines"]} == {"build"}
            assert any(line["line"].startswith("STEP 1/") for line in build["lines"])

            update = await a.call("update_artifact", artifact_id=artifact_id,
                                  files={"index.html": "<h1>v2</h1>"}, env={"GREETING": "hi"})
            assert update["revision"] == 2
            updated = await a.wait(artifact_id, revision=2)
            assert updated["status"] == "running" and updated["serving_revision"] == 2
            assert updated["revision"]["env"] == {"GREETING": "hi"}

            rolled = await a.call("rollback_artifact", artifact_id=artifact_id, revision=1)
            assert rolled["revision"] == 3
            back = await a.wait(artifact_id, revision=3)
            assert back["status"] == "running" and back["image_ref"] == running["image_ref"]
            assert back["revision"]["rollback_of"] == 1
            never = await a.fail("rollback_artifact", artifact_id=artifact_id, revision=9)
            assert never["status"] == 400 and never["errors"][0]["path"] == "revision"

            versions = (await a.call("list_versions", artifact_id=artifact_id))["versions"]
            assert [(v["number"], v["status"]) for v in versions] == [
                (3, "running"), (2, "retired"), (1, "retired")]

            # charlie is outside the team: alice's artifact does not exist for him.
            async with agent(live_url, charlie_token) as c:
                assert (await c.call("list_artifacts"))["results"] == []
                for tool, extra in (("get_artifact_status", {}), ("list_versions", {}),
                                    ("get_artifact_logs", {"stage": "build"}),
                                    ("update_artifact", {"files": SITE}),
                                    ("rollback_artifact", {"revision": 1}),
                                    ("delete_artifact", {})):
                    error = await c.fail(tool, artifact_id=artifact_id, **extra)
                    assert error == {"code": "not_found", "message": "not found",
                                     "status": 404}, tool

            # bob develops in alice's team: he sees her artifact and may deploy his own.
            async with agent(live_url, bob_token) as b:
                mine = await b.call("deploy_artifact", name="bobs", files=SITE,
                                    cluster=cluster, namespace="mcp-bob")
                assert (await b.wait(mine["artifact_id"]))["status"] == "running"
                seen = await b.call("list_artifacts")
                assert {item["id"] for item in seen["results"]} == {
                    artifact_id, mine["artifact_id"]}
                assert (await b.call("delete_artifact", artifact_id=mine["artifact_id"]))[
                    "status"] == "deleted"

            deleted = await a.call("delete_artifact", artifact_id=artifact_id)
            assert deleted == {"artifact_id": artifact_id, "status": "deleted",
                               "revision": 3, "events_url": "/api/events"}
            assert (await a.fail("get_artifact_status", artifact_id=artifact_id))[
                "code"] == "not_found"
            assert (await a.call("list_artifacts"))["results"] == []

    asyncio.run(scenario())
    # The rest of the delete happens in the background: the workload leaves the cluster.
    deadline = time.monotonic() + 60
    while pipeline.api.find(R.DEPLOYMENTS, "mcp-site", "site") is not None:
        assert time.monotonic() < deadline, "the Deployment of a deleted artifact remains"
        time.sleep(0.3)
