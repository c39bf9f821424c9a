"""A small SSE client over the ASGI application itself (the real HTTP boundary, no sockets)."""

import asyncio
import contextlib
import json
from typing import Any

from asgiref.testing import ApplicationCommunicator

from kubeorch.asgi import application


class SSEClient:
    def __init__(self, path: str, token: str | None = None, last_event_id: int | None = None,
                 cookie: str | None = None, method: str = "GET"):
        headers = [(b"host", b"testserver"), (b"accept", b"text/event-stream")]
        if token:
            headers.append((b"authorization", f"Token {token}".encode()))
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        if last_event_id is not None:
            headers.append((b"last-event-id", str(last_event_id).encode()))
        path, _, query = path.partition("?")
        self.scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": headers,
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1),
        }
        self.buffer = ""
        self.status: int | None = None
        self.headers: dict[bytes, bytes] = {}

    async def connect(self) -> int:
        self.app = ApplicationCommunicator(application, self.scope)
        await self.app.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await self.app.receive_output(timeout=10)
        self.status = start["status"]
        self.headers = dict(start.get("headers", []))
        return start["status"]

    async def body(self) -> dict[str, Any]:
        message = await self.app.receive_output(timeout=10)
        return json.loads(message["body"])

    async def next_event(self, timeout: float = 10) -> dict[str, Any]:
        """The next `id/event/data` block (comments are skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                fields = dict(
                    line.split(": ", 1)
                    for line in block.splitlines()
                    if line and not line.startswith(":")
                )
                if "data" in fields:
                    return {
                        "id": int(fields["id"]),
                        "event": fields["event"],
                        **json.loads(fields["data"]),
                    }
                if block.startswith(": keepalive"):
                    self.keepalives = getattr(self, "keepalives", 0) + 1
                continue
            message = await self.app.receive_output(timeout=max(0.01, deadline - loop.time()))
            self.buffer += message.get("body", b"").decode()

    async def raw_blocks(self, count: int) -> list[str]:
        """The next `count` blocks, comments included (for streams that must stay silent)."""
        blocks: list[str] = []
        while len(blocks) < count:
            if "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                blocks.append(block)
                continue
            message = await self.app.receive_output(timeout=10)
            self.buffer += message.get("body", b"").decode()
        return blocks

    async def close(self) -> None:
        await self.app.send_input({"type": "http.disconnect"})
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await self.app.wait(timeout=5)
