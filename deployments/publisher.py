"""Channel-layer publishing from synchronous code (workers, views) on one long-lived event loop.

`async_to_sync(layer.group_send)` from a thread without a loop ran every send on a new event
loop, and channels_redis keeps its Redis connections per loop: each wake-up opened (and dropped)
a connection, 17-40 ms per event and group, paid by the worker inside its run and added to every
subscriber's latency. Here each process owns one publishing loop in a daemon thread, so the
connections stay open and a wake-up costs a Redis round trip.

The in-memory layer (embedded mode) is not thread-safe: its queues belong to the loop that
serves the streams, so it keeps being called through async_to_sync, which runs the send on
that loop when the caller is a view, as before.
"""

import asyncio
import os
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

SEND_TIMEOUT_SECONDS = 5.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _publishing_loop() -> asyncio.AbstractEventLoop:
    """This process's publishing loop; a forked child (a prefork worker) starts its own."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="kubeorch-event-publisher",
                             daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


async def _send_all(layer: BaseChannelLayer, messages: list[tuple[str, dict[str, Any]]]) -> None:
    await asyncio.gather(*(layer.group_send(group, message) for group, message in messages))


def group_send(messages: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Send each (group, message) on the default channel layer; returns once all were sent.
    Raises whatever the layer raised (or TimeoutError), so the caller can log it."""
    layer = get_channel_layer()
    batch = list(messages)
    if layer is None or not batch:
        return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_send_all)(layer, batch)
        return
    future = asyncio.run_coroutine_threadsafe(_send_all(layer, batch), _publishing_loop())
    future.result(SEND_TIMEOUT_SECONDS)
