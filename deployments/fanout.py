"""Process-local fan-out of event wake-ups: one channel-layer subscription per process.

Without it every open stream held a channel of its own in each of its groups, so emit() cost one
channel-layer message per subscriber (with Redis: one Redis message per subscriber per event,
read back one by one by the process's receive loop, and dropped once the process's inbox held
`capacity` messages). Now the process joins each group once, with one channel, and wakes its
local subscribers itself: an event costs one message per process that follows its group.

Wake-ups carry only an event id and are coalesced (a subscriber woken twice before it looked
learns the highest id): the Event table says what to send, so nothing is lost by merging them.
Works on any channel layer (in-memory in the embedded mode, Redis in production).
"""

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Iterable
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

# channels_redis forgets a group member after `group_expiry` (a day by default); a process that
# follows a group for longer joins it again well before that.
REJOIN_SECONDS = 3600.0
IDLE_CHECK_SECONDS = 60.0


class Subscription:
    """One stream's interest in some groups. wait() returns the highest event id it was woken
    about since it last looked (None: woken without an id, read anyway)."""

    def __init__(self, hub: "Hub", groups: tuple[str, ...]) -> None:
        self.hub = hub
        self.groups = groups
        self._woken = asyncio.Event()
        self._latest: int | None = 0  # 0: nothing pending; None: a wake-up without an id

    def wake(self, event_id: int | None) -> None:
        if event_id is None or self._latest is None:
            self._latest = None
        else:
            self._latest = max(self._latest, event_id)
        self._woken.set()

    async def wait(self, timeout: float) -> int | None:
        """The wake-up's event id; raises TimeoutError when nothing came within `timeout`."""
        async with asyncio.timeout(timeout):
            await self._woken.wait()
        self._woken.clear()
        latest, self._latest = self._latest, 0
        return latest

    async def close(self) -> None:
        await self.hub.unsubscribe(self)


class Hub:
    """The fan-out of one event loop (one per process in production: Daphne runs one loop)."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.local: dict[str, set[Subscription]] = {}
        self.joined: dict[str, float] = {}  # group -> when it was (re)joined
        self.lock = asyncio.Lock()  # membership changes, in order
        self.reader: asyncio.Task[None] | None = None
        self.messages = 0  # received from the layer (tests count them)

    async def subscribe(self, groups: Iterable[str]) -> Subscription:
        """Joined on return: every event emitted from now on wakes the subscription."""
        sub = Subscription(self, tuple(dict.fromkeys(groups)))
        for group in sub.groups:
            self.local.setdefault(group, set()).add(sub)
        try:
            await self._sync(sub.groups)
        except BaseException:
            await asyncio.shield(self.unsubscribe(sub))
            raise
        return sub

    async def unsubscribe(self, sub: Subscription) -> None:
        for group in sub.groups:
            members = self.local.get(group)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self.local[group]
        await self._sync(sub.groups)

    async def _sync(self, groups: Iterable[str]) -> None:
        """Make the layer membership match the local subscribers of `groups`. Under the lock,
        deciding from the state at that moment, so a join and a leave cannot interleave."""
        async with self.lock:
            if self.channel is None:
                # The default prefix: channels_redis reads all of a process's "specific."
                # channels from one Redis key under one lock; another prefix would be read
                # only when no consumer held that lock (seconds late).
                self.channel = await self.layer.new_channel()
            for group in groups:
                if self.local.get(group) and group not in self.joined:
                    await self.layer.group_add(group, self.channel)
                    self.joined[group] = time.monotonic()
                elif not self.local.get(group) and group in self.joined:
                    del self.joined[group]
                    await self.layer.group_discard(group, self.channel)
            if self.joined and (self.reader is None or self.reader.done()):
                self.reader = asyncio.ensure_future(self._read(self.channel))

    async def _read(self, channel: str) -> None:
        """The one receiver of this process's wake-ups; ends when no group is followed."""
        while self.joined:
            try:
                message = await asyncio.wait_for(self.layer.receive(channel), IDLE_CHECK_SECONDS)
            except TimeoutError:
                await self._rejoin()
                continue
            except Exception:  # the layer is down: streams re-read at their heartbeat anyway
                log.warning("event fan-out could not receive; retrying", exc_info=True)
                await asyncio.sleep(1)
                self._wake(None, None)  # whatever was missed meanwhile, read it now
                continue
            self.messages += 1
            event_id = message.get("id")
            self._wake(message.get("group"), event_id if isinstance(event_id, int) else None)

    def _wake(self, group: str | None, event_id: int | None) -> None:
        # A message without a group (an older emitter) wakes everyone: a spare read is harmless.
        if group:
            targets: Iterable[Subscription] = self.local.get(group, ())
        else:
            targets = {sub for members in self.local.values() for sub in members}
        for sub in targets:
            sub.wake(event_id)

    async def _rejoin(self) -> None:
        now = time.monotonic()
        async with self.lock:
            for group, since in list(self.joined.items()):
                if now - since > REJOIN_SECONDS and self.channel is not None:
                    with contextlib.suppress(Exception):
                        await self.layer.group_add(group, self.channel)
                        self.joined[group] = now


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This event loop's hub (tests run one loop each; Daphne one per process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        layer = get_channel_layer()
        assert layer is not None, "CHANNEL_LAYERS must be configured"
        hub = _hubs[loop] = Hub(layer)
    return hub


async def subscribe(groups: Iterable[str]) -> Subscription:
    return await get_hub().subscribe(groups)


def wake_message(event_id: int, topic: str, group: str) -> dict[str, Any]:
    """The channel-layer message emit() sends to each group of an event."""
    return {"type": "event.created", "id": event_id, "topic": topic, "group": group}
