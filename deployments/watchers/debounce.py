"""Coalesce bursts: a rollout sends dozens of Pod/ReplicaSet/Deployment events for one node
within a second; the node is recomputed once per window, not once per event."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable

log = logging.getLogger(__name__)


class Debouncer[K: Hashable]:
    """Calls `flush(keys)` on its own thread, each key `window` seconds after its first mark
    since the last flush; marks arriving meanwhile ride along."""

    def __init__(
        self,
        window: float,
        flush: Callable[[list[K]], None],
        name: str = "debouncer",
        on_exit: Callable[[], None] | None = None,
    ):
        self.window = window
        self._flush = flush
        self._on_exit = on_exit
        self._due: dict[K, float] = {}
        self._cond = threading.Condition()
        self._halt = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def mark(self, keys: Iterable[K]) -> None:
        due = time.monotonic() + self.window
        with self._cond:
            for key in keys:
                self._due.setdefault(key, due)
            self._cond.notify()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._halt = True
            self._due.clear()
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._due)

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                try:
                    self._flush(batch)
                except Exception:  # one bad batch must not end live health for everything
                    log.exception("debouncer %s: flush failed", self._thread.name)
        finally:
            if self._on_exit is not None:
                self._on_exit()

    def _next_batch(self) -> list[K] | None:
        with self._cond:
            while not self._halt:
                now = time.monotonic()
                ready = [key for key, due in self._due.items() if due <= now]
                if ready:
                    for key in ready:
                        del self._due[key]
                    return ready
                wait = min(self._due.values()) - now if self._due else None
                self._cond.wait(wait)
            return None
