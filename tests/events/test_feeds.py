"""Live feeds (deployments.feeds): one table read per event for all of a process's streams of a
scope, streams that join behind the feed catch up with no gap and no repeat, and a broken stream
is dropped without holding up the others."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.db.backends.signals import connection_created
from rest_framework.authtoken.models import Token

from deployments.events import emit
from deployments.fanout import get_hub
from deployments.feeds import BATCH, Batch, LiveReaders, feeds, listen
from deployments.models import Event
from deployments.sse import topic_scope
from kubeorch.asgi import application
from tests.events.sse_client import SSEClient
from workflows.actions.workflows import create_workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def make_workflow(alice, team):
    return create_workflow(alice, team=team, name="fed")


@sync_to_async
def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


@sync_to_async
def publish(workflow, n=1, type="test.event"):
    for i in range(n):
        emit(workflow.team_id, f"workflow:{workflow.pk}", type, {"i": i})


@sync_to_async
def close_db():
    connections.close_all()


async def until(condition, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_one_read_per_event_for_every_stream_of_a_scope(alice, bob, team):
    workflow = await make_workflow(alice, team)
    path = f"/v1/api/workflows/{workflow.pk}/events"
    streams = [SSEClient(path, await token_for(user)) for user in [alice, bob] * 5]
    for client in streams:
        assert await client.connect() == 200
    sockets = []
    for user in (alice, bob):
        ws = WebsocketCommunicator(
            application, f"/ws/workflows/{workflow.pk}/",
            headers=[(b"authorization", f"Token {await token_for(user)}".encode())],
        )
        assert (await ws.connect())[0]
        sockets.append(ws)
    key = topic_scope(f"workflow:{workflow.pk}").key
    assert list(feeds()) == [key], "SSE and WebSocket streams of a workflow share one feed"
    feed = feeds()[key]
    assert len(feed.members) == 12
    reads_before = feed.reads

    for seq in range(3):
        await publish(workflow, type=f"event.{seq}")
        for client in streams:
            assert (await client.next_event())["type"] == f"event.{seq}"
        for ws in sockets:
            assert (await ws.receive_json_from(timeout=5))["type"] == f"event.{seq}"
    assert feed.reads - reads_before == 3, "one read per event, not one per stream"

    for client in streams:
        await client.close()
    for ws in sockets:
        await ws.disconnect()
    await asyncio.sleep(0.05)  # the feed's task ends after its last stream
    assert feeds() == {} and get_hub().joined == {}
    await close_db()


async def test_streams_joining_behind_or_ahead_of_a_busy_feed_miss_nothing(alice, team):
    workflow = await make_workflow(alice, team)
    token = await token_for(alice)
    path = f"/v1/api/workflows/{workflow.pk}/events"
    first = SSEClient(path, token)  # keeps the feed alive and moving
    assert await first.connect() == 200
    await publish(workflow, 5)
    base = [e["id"] for e in [await first.next_event() for _ in range(5)]]

    stop = threading.Event()

    def keep_emitting() -> None:
        n = 0
        while not stop.is_set() and n < 60:
            emit(workflow.team_id, f"workflow:{workflow.pk}", "busy", {"n": n})
            n += 1
            stop.wait(0.01)
        connections.close_all()

    emitter = threading.Thread(target=keep_emitting)
    emitter.start()
    # Streams open while the feed is pushing: from before the backlog, from its middle and
    # from "now" (no Last-Event-ID); each must get every later event once, in order.
    joined = []
    for cursor in [base[0] - 1, base[2], None, base[4], None]:
        client = SSEClient(path, token, last_event_id=cursor)
        assert await client.connect() == 200
        joined.append((cursor, client))
        await asyncio.sleep(0.03)
    await sync_to_async(emitter.join)()
    last = await sync_to_async(_last_event_id)()

    for cursor, client in joined:
        ids = []
        while not ids or ids[-1] < last:
            ids.append((await client.next_event())["id"])
        # From "now": every event after the first it got (its start is not known exactly).
        after = cursor if cursor is not None else ids[0] - 1
        expected = await sync_to_async(_event_ids_after)(workflow, after)
        assert ids == expected, f"from {cursor}: every event after it, once, in order"
        await client.close()
    await first.close()
    await close_db()


def _last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first()


def _event_ids_after(workflow, cursor: int) -> list[int]:
    return list(Event.objects.filter(topic=f"workflow:{workflow.pk}", id__gt=cursor)
                .order_by("id").values_list("id", flat=True))


async def test_a_broken_stream_is_dropped_and_the_others_go_on(alice, team):
    workflow = await make_workflow(alice, team)
    scope = topic_scope(f"workflow:{workflow.pk}")
    got: list[int] = []

    async def broken(batch: Batch) -> None:
        raise ConnectionResetError("client went away")

    async def healthy(batch: Batch) -> None:
        got.extend(event.id for event in batch.events)

    await publish(workflow, 2)  # before the feed exists: both streams replay them
    bad = await listen(scope, 0, broken)
    good = await listen(scope, 0, healthy)
    # Both start at 0, behind the feed: the broken one fails during its own replay...
    bad_run = asyncio.ensure_future(bad.run())
    good_run = asyncio.ensure_future(good.run())
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(bad_run, 5)
    feed = feeds()[scope.key]
    await until(lambda: good in feed.attached)
    assert bad not in feed.members

    # ...and one that breaks on a live push is dropped there, the healthy one still served.
    live_bad = await listen(scope, feed.cursor, broken)
    live_run = asyncio.ensure_future(live_bad.run())
    await until(lambda: live_bad in feed.attached)
    await publish(workflow, 2)
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(live_run, 5)
    await until(lambda: len(got) >= 4)
    assert got == sorted(set(got)), "replayed then live, once each, in order"
    assert live_bad not in feed.members and good in feed.attached
    good_run.cancel()
    await asyncio.gather(good_run, return_exceptions=True)
    await asyncio.sleep(0.05)
    assert feeds() == {}
    await close_db()


@sync_to_async
def open_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


async def test_live_reads_keep_their_connections_until_the_last_feed_ends(alice, team):
    workflow = await make_workflow(alice, team)
    before = await open_connections()
    opened: list[object] = []

    def count(sender, connection, **kwargs) -> None:
        opened.append(connection)

    connection_created.connect(count, weak=False)
    try:
        client = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", await token_for(alice))
        assert await client.connect() == 200
        for seq in range(6):
            await publish(workflow, type=f"event.{seq}")
            assert (await client.next_event())["type"] == f"event.{seq}"
    finally:
        connection_created.disconnect(count)
    # One per stream opened (authorization) and the feed's start, then at most one per
    # reading thread: not one per event.
    assert len(opened) <= 2 + LiveReaders.THREADS, len(opened)
    await client.close()
    await until(lambda: feeds() == {})
    async with asyncio.timeout(5):
        while await open_connections() > before:
            await asyncio.sleep(0.05)
    await close_db()


@sync_to_async
def terminate_reader_sessions() -> int:
    """Ends the feed readers' kept connections (idle, their last query a live read)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state = 'idle' AND query LIKE %s",
            [f'%FROM "{Event._meta.db_table}"%LIMIT {BATCH}'],
        )
        return int(cursor.fetchone()[0])


async def test_a_reader_whose_connection_died_reads_on_a_new_one(alice, team, caplog):
    workflow = await make_workflow(alice, team)
    client = SSEClient(f"/v1/api/workflows/{workflow.pk}/events", await token_for(alice))
    assert await client.connect() == 200
    for seq in range(LiveReaders.THREADS):  # every reader thread holds its connection now
        await publish(workflow, type=f"before.{seq}")
        assert (await client.next_event())["type"] == f"before.{seq}"
    assert await terminate_reader_sessions() == LiveReaders.THREADS
    for seq in range(LiveReaders.THREADS):
        await publish(workflow, type=f"after.{seq}")
        assert (await client.next_event())["type"] == f"after.{seq}"
    assert "could not read" not in caplog.text, "read again at once, not after a retry pause"
    await client.close()
    await close_db()
