"""A run of all twelve kinds watched live: the events arrive in order on the WebSocket and on
SSE, exactly as recorded, and the run record is complete."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework.authtoken.models import Token

from deployments.models import Event
from kubeorch.asgi import application
from tests.events.sse_client import SSEClient
from tests.runs.graphs import all_kinds

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def collect_ws(communicator: WebsocketCommunicator, until: asyncio.Event) -> list[dict]:
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=60)
        seen.append(message)
        if message["type"] == "run.status_changed" and message["payload"]["status"] in (
            "completed", "failed"):
            until.set()
            return seen


async def collect_sse(client: SSEClient) -> list[dict]:
    seen = []
    while True:
        event = await client.next_event(timeout=60)
        seen.append(event)
        if event["type"] == "run.status_changed" and event["payload"]["status"] in (
            "completed", "failed"):
            return seen


async def test_all_kinds_run_events_in_order_on_websocket_and_sse(alice, engine, as_alice):
    nodes, edges = all_kinds()
    workflow = await sync_to_async(lambda: as_alice.post(
        "/v1/api/workflows", {"name": "all", "namespace": "events-all", "nodes": nodes,
                              "edges": edges}, format="json").json())()
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=alice)[0].key)()
    ws = WebsocketCommunicator(application, f"/ws/workflows/{workflow['id']}/",
                               headers=[(b"authorization", f"Token {token}".encode())])
    connected, _ = await ws.connect()
    assert connected
    sse = SSEClient(f"/v1/api/workflows/{workflow['id']}/events", token)
    assert await sse.connect() == 200

    response = await sync_to_async(lambda: as_alice.post(
        f"/v1/api/workflows/{workflow['id']}/run", {}, format="json"))()
    run_id = response.json()["run_id"]
    done = asyncio.Event()
    ws_events, sse_events = await asyncio.gather(collect_ws(ws, done), collect_sse(sse))
    await ws.disconnect()
    await sse.close()

    recorded = await sync_to_async(lambda: list(
        Event.objects.filter(topic=f"workflow:{workflow['id']}", id__lte=ws_events[-1]["id"])
        .order_by("id").values_list("id", flat=True)))()
    assert [e["id"] for e in ws_events] == recorded
    assert [e["id"] for e in sse_events] == recorded
    statuses = [e["payload"]["status"] for e in ws_events if e["type"] == "run.status_changed"]
    assert statuses == ["queued", "running", "completed"]
    final_health = {}
    for event in ws_events:
        if event["type"] == "node.status_changed":
            final_health[event["payload"]["node_id"]] = event["payload"]["health"]
    assert final_health == {n["id"]: "healthy" for n in nodes}
    assert any(e["type"] == "run.log" for e in ws_events)
    assert any(e["type"] == "workflow.status_changed" for e in ws_events)

    run = await sync_to_async(lambda: as_alice.get(f"/v1/api/runs/{run_id}").json())()
    assert run["status"] == "completed" and run["version"] == 1 and run["duration_ms"] > 0
    assert len(run["node_states"]) == len(nodes) and run["logs"]
    await sync_to_async(connections.close_all)()
