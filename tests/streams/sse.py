"""An SSE client over the ASGI application itself: Django's real ASGI handler, no sockets.

Closing sends `http.disconnect`, exactly what an ASGI server sends when the browser goes away.
"""

import asyncio
import contextlib
import json
from typing import Any

from asgiref.testing import ApplicationCommunicator

from kubeorch.asgi import application


class SSEClient:
    def __init__(self, path: str, token: str | None = None) -> None:
        headers = [(b"host", b"testserver"), (b"accept", b"text/event-stream")]
        if token:
            headers.append((b"authorization", f"Token {token}".encode()))
        path, _, query = path.partition("?")
        self.scope = {
            "type": "http", "http_version": "1.1", "method": "GET", "path": path,
            "raw_path": path.encode(), "query_string": query.encode(), "headers": headers,
            "scheme": "http", "server": ("testserver", 80), "client": ("127.0.0.1", 1),
        }
        self.buffer = ""
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.comments: list[str] = []
        self.ended = False  # the server finished the response

    async def connect(self) -> int:
        self.app = ApplicationCommunicator(application, self.scope)
        await self.app.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await self.app.receive_output(timeout=30)
        self.status = start["status"]
        self.headers = {k.lower(): v for k, v in start.get("headers", [])}
        return self.status

    async def json(self) -> dict[str, Any]:
        body = b""
        while True:
            message = await self.app.receive_output(timeout=10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                return json.loads(body)

    async def next_event(self, timeout: float = 10) -> dict[str, Any]:
        """The next `event/data` block as {"event": name, **data} (comments are recorded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                lines = block.splitlines()
                self.comments += [line for line in lines if line.startswith(":")]
                fields = dict(line.split(": ", 1) for line in lines if not line.startswith(":"))
                if "event" in fields:
                    return {"event": fields["event"], **json.loads(fields.get("data", "{}"))}
                continue
            assert not self.ended, "the stream ended"
            message = await self.app.receive_output(timeout=max(0.01, deadline - loop.time()))
            self.buffer += message.get("body", b"").decode()
            self.ended = not message.get("more_body", False)

    async def events_until_end(self, timeout: float = 20) -> list[dict[str, Any]]:
        events = []
        while True:
            event = await self.next_event(timeout)
            events.append(event)
            if event["event"] == "end":
                return events

    async def close(self) -> None:
        await self.app.send_input({"type": "http.disconnect"})
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await self.app.wait(timeout=5)
