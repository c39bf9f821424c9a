"""Helpers shared by the long-lived HTTP streams (watch, follow logs)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from kubernetes.watch.watch import iter_resp_lines

# How often the interrupter thread looks at the caller's stop event.
STOP_POLL_SECONDS = 0.1


class StreamInterrupter:
    """Unblocks a read on the current stream once `stop` is set.

    A thread blocked in a socket read cannot notice a threading.Event, so a small helper
    thread watches the event and shuts the socket down, which makes the read return.
    Use as a context manager around the whole iteration; attach() each new response.
    """

    def __init__(self, stop: threading.Event | None) -> None:
        self._stop = stop
        self._response: Any = None
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StreamInterrupter:
        if self._stop is not None:
            self._thread = threading.Thread(
                target=self._run, name="kubeorch-stream-stop", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finished.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

    @property
    def stopped(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def attach(self, response: Any) -> None:
        with self._lock:
            self._response = response
        if self.stopped:
            self._shutdown()

    def detach(self) -> None:
        with self._lock:
            self._response = None

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early when stopped. Returns True if stopped."""
        if self._stop is None:
            self._finished.wait(seconds)
            return False
        return self._stop.wait(seconds)

    def _run(self) -> None:
        assert self._stop is not None
        while not self._finished.is_set():
            if self._stop.wait(STOP_POLL_SECONDS):
                self._shutdown()
                return

    def _shutdown(self) -> None:
        with self._lock:
            response = self._response
        if response is None:
            return
        shutdown_response(response)


def shutdown_response(response: Any) -> None:
    """Make a blocked read on response return at once (it may raise in the reader)."""
    with contextlib.suppress(Exception):
        response.shutdown()  # urllib3 >= 2.3: made for exactly this
        return
    with contextlib.suppress(Exception):
        connection = getattr(response, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)


def close_response(response: Any) -> None:
    with contextlib.suppress(Exception):
        response.close()
    with contextlib.suppress(Exception):
        response.release_conn()


def response_lines(response: Any) -> Iterator[str]:
    """Lines of a streamed response body (the kubernetes client's own splitter)."""
    return iter_resp_lines(response)
