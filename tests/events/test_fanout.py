"""The process-local fan-out: one channel-layer subscription per group serves every local
stream, wake-ups coalesce, and per-topic authorization is unchanged (alice/bob/charlie)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from deployments.events import emit, topic_group
from deployments.fanout import get_hub
from kubeorch.asgi import application
from tests.events.sse_client import SSEClient
from workflows.actions.workflows import create_workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def make_workflows(alice, team):
    shared = create_workflow(alice, team=team, name="shared")
    private = create_workflow(alice, team=alice.teams.get(personal=True), name="private")
    return shared, private


@sync_to_async
def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


@sync_to_async
def publish(workflow, type="test.event"):
    emit(workflow.team_id, f"workflow:{workflow.pk}", type, {})


@sync_to_async
def close_db():
    connections.close_all()


async def test_one_layer_message_per_event_wakes_every_local_subscriber(alice, team):
    shared, _ = await make_workflows(alice, team)
    hub = get_hub()
    group = topic_group(f"workflow:{shared.pk}")
    subs = [await hub.subscribe([group]) for _ in range(50)]
    assert list(hub.joined) == [group], "the process joins the group once"
    before = hub.messages
    await publish(shared)
    woken = await asyncio.gather(*(sub.wait(5) for sub in subs))
    assert len(set(woken)) == 1 and woken[0] > 0, "all 50 woken with the event's id"
    await asyncio.sleep(0.2)  # a second message for the topic group would have arrived by now
    assert hub.messages - before == 1
    for sub in subs:
        await sub.close()
    assert hub.joined == {} and hub.local == {}, "the last one out leaves the group"
    await close_db()


async def test_wake_ups_coalesce_to_the_highest_id(alice, team):
    shared, _ = await make_workflows(alice, team)
    sub = await get_hub().subscribe([topic_group(f"workflow:{shared.pk}")])
    sub.wake(7)
    sub.wake(9)
    sub.wake(8)
    assert await sub.wait(1) == 9
    with pytest.raises(TimeoutError):
        await sub.wait(0.05)  # nothing pending after it was taken
    sub.wake(None)
    assert await sub.wait(1) is None, "a wake-up without an id asks for a read anyway"
    await sub.close()
    await close_db()


async def test_other_topics_do_not_wake_a_subscriber(alice, team):
    shared, private = await make_workflows(alice, team)
    hub = get_hub()
    sub = await hub.subscribe([topic_group(f"workflow:{shared.pk}")])
    other = await hub.subscribe([topic_group(f"workflow:{private.pk}")])
    await publish(private)
    assert await other.wait(5) > 0
    with pytest.raises(TimeoutError):
        await sub.wait(0.3)
    await sub.close()
    await other.close()
    await close_db()


async def test_websockets_share_the_fan_out_and_stay_authorized(alice, bob, charlie, team):
    shared, private = await make_workflows(alice, team)

    async def socket(user, workflow):
        ws = WebsocketCommunicator(
            application, f"/ws/workflows/{workflow.pk}/",
            headers=[(b"authorization", f"Token {await token_for(user)}".encode())],
        )
        return ws, await ws.connect()

    alices = [await socket(alice, shared) for _ in range(5)]
    bob_ws, (bob_ok, _) = await socket(bob, shared)
    _, (bob_private, code) = await socket(bob, private)
    assert not bob_private and code == 4404, "bob is not in alice's personal team"
    _, (charlie_ok, code) = await socket(charlie, shared)
    assert not charlie_ok and code == 4404
    assert bob_ok and all(ok for _, (ok, _) in alices)
    assert list(get_hub().joined) == [topic_group(f"workflow:{shared.pk}")]

    await publish(private, type="private")  # nobody here follows it
    await publish(shared, type="shared")
    for ws, _ in [*alices, (bob_ws, None)]:
        assert (await ws.receive_json_from(timeout=5))["type"] == "shared"
        assert await ws.receive_nothing(0.05)
    for ws, _ in [*alices, (bob_ws, None)]:
        await ws.disconnect()
    assert get_hub().joined == {}
    await close_db()


async def test_many_sse_streams_one_subscription_each_team_filtered(
    alice, bob, charlie, team, settings
):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.2
    shared, private = await make_workflows(alice, team)
    bobs = [SSEClient("/api/events", await token_for(bob)) for _ in range(10)]
    charlies = [SSEClient("/api/events", await token_for(charlie)) for _ in range(3)]
    for client in bobs + charlies:
        assert await client.connect() == 200
        assert (await client.raw_blocks(1))[0] == ": connected"
    await publish(private, type="alice.private")
    await publish(shared, type="shared.team")
    for client in bobs:
        assert (await client.next_event())["type"] == "shared.team"
    for client in charlies:  # heartbeats only
        assert all(block.startswith(":") for block in await client.raw_blocks(3))
    for client in bobs + charlies:
        await client.close()
    await close_db()


@sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def test_websockets_authenticate_with_the_session_cookie(alice, bob, charlie, team):
    shared, private = await make_workflows(alice, team)

    async def socket(cookie: bytes, workflow):
        ws = WebsocketCommunicator(application, f"/ws/workflows/{workflow.pk}/",
                                   headers=[(b"cookie", cookie)])
        return ws, await ws.connect()

    bob_ws, (bob_ok, _) = await socket(await session_cookie(bob), shared)
    assert bob_ok
    _, (ok, code) = await socket(await session_cookie(bob), private)
    assert not ok and code == 4404
    _, (ok, code) = await socket(await session_cookie(charlie), shared)
    assert not ok and code == 4404
    _, (ok, code) = await socket(f"{settings.SESSION_COOKIE_NAME}=forged".encode(), shared)
    assert not ok and code == 4401
    await publish(shared, type="for.bob")
    assert (await bob_ws.receive_json_from(timeout=5))["type"] == "for.bob"
    await bob_ws.disconnect()
    await close_db()
