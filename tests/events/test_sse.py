"""Event streams: SSE per workflow and globally, resumable with Last-Event-ID, authorized."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from deployments.events import emit
from tests.events.sse_client import SSEClient
from workflows.actions.workflows import create_workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def setup_world(alice, team):
    workflow = create_workflow(alice, team=team, name="w")
    other = create_workflow(alice, team=alice.teams.get(personal=True), name="private")
    token = Token.objects.create(user=alice).key
    return workflow, other, token


@sync_to_async
def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


@sync_to_async
def publish(team_id, workflow_id, n, type="test.event"):
    for i in range(n):
        emit(team_id, f"workflow:{workflow_id}", type, {"i": i})


@sync_to_async
def close_db():
    connections.close_all()


async def test_workflow_stream_resumes_after_disconnect_without_missing(alice, team, settings):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.5
    workflow, other, token = await setup_world(alice, team)
    client = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", token)
    assert await client.connect() == 200
    assert client.headers[b"content-type"].startswith(b"text/event-stream")
    await publish(team.pk, workflow.pk, 3)
    await publish(team.pk, other.pk, 1)  # another workflow's event never shows up here
    seen = [await client.next_event() for _ in range(3)]
    assert [e["payload"]["i"] for e in seen] == [0, 1, 2]
    await client.close()

    await publish(team.pk, workflow.pk, 5)  # while disconnected
    resumed = SSEClient(
        f"/v1/api/workflows/{workflow.pk}/events", token, last_event_id=seen[-1]["id"]
    )
    assert await resumed.connect() == 200
    missed = [await resumed.next_event() for _ in range(5)]
    assert [e["payload"]["i"] for e in missed] == [0, 1, 2, 3, 4]
    ids = [e["id"] for e in seen + missed]
    assert ids == sorted(ids) and len(set(ids)) == 8
    await publish(team.pk, workflow.pk, 1, type="live.after.resume")
    live = await resumed.next_event()
    assert live["type"] == "live.after.resume"
    await resumed.close()
    await close_db()


async def test_heartbeat_comments_keep_the_stream_alive(alice, team, settings):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.2
    workflow, _, token = await setup_world(alice, team)
    client = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", token)
    await client.connect()
    await asyncio.sleep(0.7)
    await publish(team.pk, workflow.pk, 1)
    await client.next_event()
    assert getattr(client, "keepalives", 0) >= 2
    await client.close()
    await close_db()


async def test_global_stream_shows_only_your_teams(alice, bob, charlie, team, settings):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.2
    workflow, private, _ = await setup_world(alice, team)
    bob_stream = SSEClient("/api/events", await token_for(bob))
    charlie_stream = SSEClient("/api/events", await token_for(charlie))
    assert await bob_stream.connect() == 200
    assert await charlie_stream.connect() == 200
    await publish(private.team_id, private.pk, 1, type="alice.private")
    await publish(team.pk, workflow.pk, 1, type="shared.team")
    event = await bob_stream.next_event()
    assert event["type"] == "shared.team", "bob never sees alice's personal team"
    silent = await charlie_stream.raw_blocks(5)  # a second of heartbeats, no events
    assert all(block.startswith(":") for block in silent), silent
    await bob_stream.close()
    await charlie_stream.close()
    await close_db()


async def test_stream_authorization(alice, charlie, team):
    workflow, _, _ = await setup_world(alice, team)
    anonymous = SSEClient(f"/v1/api/workflows/{workflow.pk}/events")
    assert await anonymous.connect() == 401
    outsider = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", await token_for(charlie))
    assert await outsider.connect() == 404
    assert (await outsider.body())["code"] == "not_found"
    assert await SSEClient("/api/events").connect() == 401
    await close_db()


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@sync_to_async
def change_password(user) -> None:
    user.set_password("a-new-password")
    user.save()


async def test_browsers_stream_with_their_session_cookie(alice, bob, charlie, team, settings):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.2
    workflow, private, _ = await setup_world(alice, team)
    path = f"/v1/api/workflows/{workflow.pk}/events"
    bob_cookie = await session_cookie(bob)
    bob_stream = SSEClient(path, cookie=bob_cookie)
    assert await bob_stream.connect() == 200
    await publish(team.pk, workflow.pk, 1, type="seen.by.bob")
    assert (await bob_stream.next_event())["type"] == "seen.by.bob"
    await bob_stream.close()

    charlie_cookie = await session_cookie(charlie)
    assert await SSEClient(path, cookie=charlie_cookie).connect() == 404
    private_path = f"/v1/api/workflows/{private.pk}/events"
    assert await SSEClient(private_path, cookie=bob_cookie).connect() == 404
    forged = SSEClient(path, cookie=f"{settings.SESSION_COOKIE_NAME}=not-a-session")
    assert await forged.connect() == 401
    assert (await forged.body())["code"] == "not_authenticated"
    # A password change ends the other sessions, as on every other page.
    await change_password(bob)
    assert await SSEClient(path, cookie=bob_cookie).connect() == 401
    await close_db()


async def test_streams_answer_get_only(alice, team):
    workflow, _, token = await setup_world(alice, team)
    post = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", token, method="POST")
    assert await post.connect() == 405
    assert post.headers[b"allow"] == b"GET"
    assert (await post.body())["code"] == "method_not_allowed"
    await close_db()
