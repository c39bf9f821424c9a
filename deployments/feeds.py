"""Live event feeds: one reader per process and scope pushes every new event to its streams.

A stream used to be a task of its own: woken by the fan-out, it read the table (in a query
shared with its neighbours) and handed its frames to Django's streaming response. At 1,000
streams an event cost 1,000 task wake-ups, shared-future callbacks and trips through Django's
response loop, about 60% of the server's CPU (profiled with bench/events.py). Now one feed per
scope (a workflow's topic, a set of teams) follows the scope's groups through the fan-out, reads
each new event once, encodes it once, and writes it to every stream's transport from one loop.

A stream joins a feed at its own cursor (its Last-Event-ID, or the newest id when it opened):
- at or ahead of the feed's cursor, it is attached at once and gets every event after its own;
- behind it, it first replays (its cursor, the feed's cursor] from the table on its own, then
  attaches. Attaching happens in the same step as the check that the feed has not moved on, and
  the feed advances its cursor in the same step as it takes its list of streams, so no event
  falls between the replay and the live pushes, and none is sent twice.

The table decides what is sent: wake-ups may merge or be lost, and a feed reads again at every
heartbeat. A feed writes to its streams one after another, so a stream's `deliver` must not
wait on its client: Daphne's send() only buffers.
"""

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.db.models import Q

from deployments.events import serialize, team_group, topic_group
from deployments.fanout import Subscription, subscribe
from deployments.models import Event

log = logging.getLogger(__name__)

BATCH = 500  # events per read; a longer backlog is read in several
READ_RETRY_SECONDS = 1.0  # after a failed read (the database restarting)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "KUBEORCH_SSE_HEARTBEAT_SECONDS", 15))


@dataclass(frozen=True, slots=True)
class Encoded:
    """An event encoded once for every stream: `data` is the WebSocket message and the SSE
    `data:`, `frame` the whole SSE event."""

    id: int
    type: str
    data: str
    frame: str


def encode(event: dict[str, Any]) -> Encoded:
    data = json.dumps(event)
    frame = f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"
    return Encoded(event["id"], event["type"], data, frame)


class Batch:
    """Events pushed together, in id order; `sse` is their SSE frames as one chunk, built once
    for every stream that gets the whole batch."""

    __slots__ = ("_sse", "events")

    def __init__(self, events: list[Encoded]) -> None:
        self.events = events
        self._sse: bytes | None = None

    @property
    def sse(self) -> bytes:
        if self._sse is None:
            self._sse = "".join(event.frame for event in self.events).encode()
        return self._sse

    def after(self, cursor: int) -> "Batch":
        if self.events[0].id > cursor:
            return self
        return Batch([event for event in self.events if event.id > cursor])


@dataclass(frozen=True)
class Scope:
    """What a stream may see: the rows matching `q`, announced on `groups`. Streams with equal
    keys share a feed."""

    key: str
    q: Q
    groups: tuple[str, ...]


def topic_scope(topic: str) -> Scope:
    """One topic's events (a workflow's streams)."""
    return Scope(f"topic:{topic}", Q(topic=topic), (topic_group(topic),))


def teams_scope(team_ids: list[int]) -> Scope:
    """Every event of these teams (the global stream)."""
    ids = sorted(set(team_ids))
    return Scope("teams:" + ",".join(map(str, ids)), Q(team_id__in=ids),
                 tuple(team_group(team_id) for team_id in ids))


def _read(q: Q, after: int, upto: int | None) -> list[Encoded]:
    rows = Event.objects.filter(q, id__gt=after)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    return [encode(serialize(event)) for event in rows.order_by("id")[:BATCH]]


def pool_trip[**P, R](fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`fn` as one database trip in the default thread pool, on a connection closed after it:
    a stream lives for hours and must hold no connection meanwhile (CONN_MAX_AGE=0), or 1,000
    open streams exhaust PostgreSQL's max_connections."""

    def trip(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(trip, thread_sensitive=False)


_replay_in_pool = pool_trip(_read)


def _read_live(q: Q, after: int) -> list[Encoded]:
    """A read on this reader thread's kept connection; if that connection died while it idled
    (a database restart, an idle timeout), once more on a new one."""
    try:
        return _read(q, after, None)
    except DatabaseError:
        connections.close_all()
    try:
        return _read(q, after, None)
    except Exception:
        connections.close_all()  # a broken connection is not used again
        raise


class LiveReaders:
    """The threads that read live events for one event loop's feeds, each keeping its database
    connection from one read to the next: connecting for every read took 9 ms (median) of the
    43 ms an event took to reach 1,000 streams. One executor per thread, so that each thread
    closes its own connection when the loop's last feed ends. Replays (bursts of them after a
    restart) use the default pool, not these: live events never queue behind them."""

    THREADS = 2

    def __init__(self) -> None:
        self.executors = [ThreadPoolExecutor(1, thread_name_prefix="kubeorch-feed-read")
                          for _ in range(self.THREADS)]
        self.turn = 0

    async def read(self, q: Q, after: int) -> list[Encoded]:
        executor = self.executors[self.turn]
        self.turn = (self.turn + 1) % len(self.executors)
        return await asyncio.get_running_loop().run_in_executor(executor, _read_live, q, after)

    def close(self) -> None:
        for executor in self.executors:
            executor.submit(connections.close_all)
            executor.shutdown(wait=False)


def newest_event_id() -> int:
    """Where a stream without a resume point starts: after every event committed so far."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


_newest_in_pool = pool_trip(newest_event_id)


Deliver = Callable[[Batch], Awaitable[None]]
Keepalive = Callable[[], Awaitable[None]]


class Listener:
    """One stream's membership of a feed. run() replays what the stream missed, then lets the
    feed push live events until cancelled; it raises what `deliver` raised."""

    def __init__(self, feed: "Feed", cursor: int, deliver: Deliver,
                 keepalive: Keepalive | None) -> None:
        self.feed = feed
        self.cursor = cursor  # the last id this stream got (or need not get)
        self.deliver = deliver
        self.keepalive = keepalive
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def run(self) -> None:
        try:
            await self.feed.attach(self)
            await self.ended
        finally:
            self.leave()

    def stop(self) -> None:
        """End run() (the client went away)."""
        if not self.ended.done():
            self.ended.set_result(None)

    def leave(self) -> None:
        self.feed.leave(self)


class Feed:
    """Follows one scope for this process's streams of it; ends with its last stream."""

    def __init__(self, scope: Scope, loop_feeds: "LoopFeeds") -> None:
        self.scope = scope
        self.loop_feeds = loop_feeds
        self.cursor = 0  # every event up to here was pushed to the attached streams
        self.members: set[Listener] = set()  # every stream, replaying or attached
        self.attached: set[Listener] = set()  # those the feed pushes to
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reads = 0  # table reads of live events (tests count them)
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            # Joined before the newest id is read: every event after it wakes this feed.
            subscription = await subscribe(self.scope.groups)
            try:
                self.cursor = await _newest_in_pool()
            except BaseException:
                await asyncio.shield(subscription.close())
                raise
        except asyncio.CancelledError:  # its streams left before it was ready
            self._forget()
            self.ready.cancel()
            raise
        except Exception as exc:  # the channel layer or the database is down: tell the streams
            self._forget()
            self.ready.set_exception(exc)
            return
        self.ready.set_result(None)
        try:
            await self._follow(subscription)
        finally:
            await subscription.close()

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.wait(heartbeat_seconds())
            except TimeoutError:  # a quiet spell: keep the streams open, and read anyway
                await self._keepalive()
            await self._push_new_events()

    async def _push_new_events(self) -> None:
        while True:
            try:
                events = await self.loop_feeds.readers.read(self.scope.q, self.cursor)
            except Exception:
                log.warning("event feed %s could not read; retrying", self.scope.key,
                            exc_info=True)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            self.reads += 1
            if not events:
                return
            # The cursor moves in the same step as the streams are taken (see the module doc).
            targets = list(self.attached)
            self.cursor = events[-1].id
            batch = Batch(events)
            for listener in targets:
                if listener in self.attached and listener.cursor < self.cursor:
                    await self._push(listener, batch.after(listener.cursor))
            if len(events) < BATCH:
                return

    async def _push(self, listener: Listener, batch: Batch) -> None:
        listener.cursor = batch.events[-1].id
        try:
            await listener.deliver(batch)
        except Exception as exc:  # that stream is broken; the others go on
            self._end(listener, exc)

    async def _keepalive(self) -> None:
        for listener in list(self.attached):
            if listener.keepalive is not None and listener in self.attached:
                try:
                    await listener.keepalive()
                except Exception as exc:
                    self._end(listener, exc)

    def _end(self, listener: Listener, exc: BaseException) -> None:
        self.attached.discard(listener)
        if not listener.ended.done():
            listener.ended.set_exception(exc)

    async def attach(self, listener: Listener) -> None:
        """Replay what `listener` missed, then attach it (see the module doc)."""
        await asyncio.shield(self.ready)  # one stream giving up must not cancel it for all
        while listener.cursor < self.cursor:
            upto = self.cursor
            events = await _replay_in_pool(self.scope.q, listener.cursor, upto)
            if events:
                await listener.deliver(Batch(events))
            listener.cursor = events[-1].id if len(events) == BATCH else upto
        self.attached.add(listener)

    def leave(self, listener: Listener) -> None:
        self.members.discard(listener)
        self.attached.discard(listener)
        if not self.members:
            self._forget()
            self.task.cancel()

    def _forget(self) -> None:
        self.loop_feeds.forget(self)


class LoopFeeds:
    """One event loop's feeds by scope key, and the threads that read for them (opened with the
    first feed, closed with the last)."""

    def __init__(self) -> None:
        self.by_key: dict[str, Feed] = {}
        self._readers: LiveReaders | None = None

    @property
    def readers(self) -> LiveReaders:
        if self._readers is None:
            self._readers = LiveReaders()
        return self._readers

    def feed(self, scope: Scope) -> Feed:
        feed = self.by_key.get(scope.key)
        if feed is None:
            feed = self.by_key[scope.key] = Feed(scope, self)
        return feed

    def forget(self, feed: Feed) -> None:
        if self.by_key.get(feed.scope.key) is feed:
            del self.by_key[feed.scope.key]
        if not self.by_key and self._readers is not None:
            self._readers.close()
            self._readers = None


_loop_feeds: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopFeeds]" = (
    weakref.WeakKeyDictionary()
)


def _this_loop() -> LoopFeeds:
    loop = asyncio.get_running_loop()
    loop_feeds = _loop_feeds.get(loop)
    if loop_feeds is None:
        loop_feeds = _loop_feeds[loop] = LoopFeeds()
    return loop_feeds


def feeds() -> dict[str, Feed]:
    """This event loop's feeds by scope key (tests run one loop each; Daphne one per process)."""
    return _this_loop().by_key


async def listen(scope: Scope, cursor: int, deliver: Deliver,
                 keepalive: Keepalive | None = None) -> Listener:
    """A stream of `scope`'s events after `cursor`, written through `deliver` (and `keepalive`
    in quiet spells) once its run() is awaited. On return the scope's feed follows its groups,
    so nothing emitted from now on is missed."""
    feed = _this_loop().feed(scope)
    listener = Listener(feed, cursor, deliver, keepalive)
    feed.members.add(listener)
    try:
        await asyncio.shield(feed.ready)
    except BaseException:
        listener.leave()
        raise
    return listener
