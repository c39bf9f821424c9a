"""Feed items from blocking producer threads into an asyncio.Queue, with backpressure and a stop.

The cluster adapter's streams (follow logs, exec) are blocking iterators; ASGI code is async. Each
producer runs in its own named thread and hands items to the event loop through a bounded queue:
a slow client slows the producers down instead of growing memory, and once `stop` is set every
producer returns within about one poll interval (the adapter itself watches the same event).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

# How often a producer blocked on a full queue checks whether it should stop.
PUT_POLL_SECONDS = 0.25
JOIN_TIMEOUT_SECONDS = 5.0


class ThreadBridge:
    """Producer threads -> `queue` (consumed on the loop that created the bridge)."""

    def __init__(self, *, maxsize: int = 1000, name: str = "kubeorch-stream") -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.name = name

    @property
    def stopped(self) -> bool:
        return self.stop_event.is_set()

    def start(self, label: str, target: Callable[[ThreadBridge], None]) -> threading.Thread:
        # Named threads make leaks visible (tests and py-spy look for this prefix).
        thread = threading.Thread(
            target=target, args=(self,), name=f"{self.name}:{label}", daemon=True
        )
        self.threads.append(thread)
        thread.start()
        return thread

    def put(self, item: Any) -> bool:
        """Called from a producer thread. False when the consumer is gone: the producer returns."""
        if self.stopped:
            return False
        try:
            future = asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop)
        except RuntimeError:  # the loop is closed: nobody will ever read
            return False
        while True:
            try:
                future.result(timeout=PUT_POLL_SECONDS)
                return True
            except concurrent.futures.TimeoutError:
                if self.stopped:
                    future.cancel()
                    return False
            except (concurrent.futures.CancelledError, RuntimeError):
                return False

    def stop(self) -> None:
        """Ask every producer to return. Non-blocking: safe in a cancelled generator's finally."""
        self.stop_event.set()

    def alive(self) -> list[threading.Thread]:
        return [thread for thread in self.threads if thread.is_alive()]

    async def close(self, timeout: float = JOIN_TIMEOUT_SECONDS) -> bool:
        """Stop and wait (off the loop) for the producers; True when all of them ended."""
        self.stop()
        await asyncio.to_thread(self._join, timeout)
        return not self.alive()

    def _join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)
