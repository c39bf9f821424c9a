"""The event subscribers of bench/events.py: minimal SSE and WebSocket clients on asyncio
protocols (no Django; run in the bench's child processes).

Each parses every frame it receives and JSON-decodes every event, as a browser would, and
stamps an event with the time its bytes arrived. They are protocols rather than stream readers
because the subscribers share this machine's CPUs with the server they measure: a StreamReader
costs a future and a task wake-up per read, and 1,000 of those per event made the clients use
as much CPU as the server (their event loops ran late, and so did every stamp after the first).
"""

import asyncio
import base64
import json
import os
import struct
import time
from dataclasses import dataclass, field
from typing import Any

EVENT_TYPE = "bench.ping"


@dataclass
class Subscriber:
    received: list[tuple[int, int, float]] = field(default_factory=list)  # (id, seq, latency)
    error: str = ""
    connected: bool = False


def record(sub: Subscriber, event: dict[str, Any], now: float) -> None:
    if event.get("type") != EVENT_TYPE:
        return
    payload = event["payload"]
    sub.received.append((event["id"], payload["seq"], now - payload["sent"]))


class StreamClient(asyncio.Protocol):
    """Sends `request`, checks the response head, then hands the body to `body_received`.
    `ready` resolves once the subscription is live, or fails with why it is not."""

    expected_status = 200

    def __init__(self, sub: Subscriber, request: bytes) -> None:
        self.sub = sub
        self.request = request
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.head: bytes | None = None
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.stopping = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if self.head is None:
            head, found, rest = self.buffer.partition(b"\r\n\r\n")
            if not found:
                return
            self.head, self.buffer = head.lower(), rest
            status = int(head.split(b" ", 2)[1])
            if status != self.expected_status:
                self.fail(f"HTTP {status}")
                return
            self.head_received()
        try:
            self.body_received(now)
        except Exception as exc:
            self.fail(f"{type(exc).__name__}: {exc}")

    def head_received(self) -> None:
        pass

    def body_received(self, now: float) -> None:
        raise NotImplementedError

    def live(self) -> None:
        self.sub.connected = True
        if not self.ready.done():
            self.ready.set_result(None)

    def fail(self, error: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(error))
        elif not self.stopping and not self.sub.error:
            self.sub.error = error[:120]
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail("stream ended" if exc is None else f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self.stopping = True
        if self.transport is not None:
            self.transport.close()


class SSEClient(StreamClient):
    """`GET /v1/api/workflows/{id}/events`, chunked HTTP/1.1."""

    def __init__(self, sub: Subscriber, port: int, workflow_id: int, token: str) -> None:
        super().__init__(sub, (
            f"GET /v1/api/workflows/{workflow_id}/events HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
        ).encode())
        self.chunked = False
        self.events = b""  # the de-chunked body not parsed yet

    def head_received(self) -> None:
        assert self.head is not None
        self.chunked = b"transfer-encoding: chunked" in self.head

    def body_received(self, now: float) -> None:
        if self.chunked:
            self._dechunk()
        else:
            self.events, self.buffer = self.events + self.buffer, b""
        while b"\n\n" in self.events:
            block, self.events = self.events.split(b"\n\n", 1)
            if block.startswith(b": connected"):
                self.live()
                continue
            for line in block.split(b"\n"):
                if line.startswith(b"data: "):
                    record(self.sub, json.loads(line[6:]), now)

    def _dechunk(self) -> None:
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.buffer[:line_end].split(b";")[0], 16)
            if size == 0:
                raise RuntimeError("stream ended")
            end = line_end + 2 + size + 2
            if len(self.buffer) < end:
                return
            self.events += self.buffer[line_end + 2:end - 2]
            self.buffer = self.buffer[end:]


def ws_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (payloads here are small: < 126 bytes)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked


class WebSocketClient(StreamClient):
    """`/ws/workflows/{id}/`; live once the server accepted (it joins the feed before)."""

    expected_status = 101

    def __init__(self, sub: Subscriber, port: int, workflow_id: int, token: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        super().__init__(sub, (
            f"GET /ws/workflows/{workflow_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Token {token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n\r\n"
        ).encode())
        self.message = b""

    def head_received(self) -> None:
        self.live()

    def body_received(self, now: float) -> None:
        while len(self.buffer) >= 2:
            first, second = self.buffer[0], self.buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,), start = struct.unpack("!H", self.buffer[2:4]), 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,), start = struct.unpack("!Q", self.buffer[2:10]), 10
            if len(self.buffer) < start + length:
                return
            payload = self.buffer[start:start + length]  # server frames are not masked
            self.buffer = self.buffer[start + length:]
            self._frame(first, payload, now)

    def _frame(self, first: int, payload: bytes, now: float) -> None:
        opcode = first & 0x0F
        if opcode == 0x9:  # ping: Daphne closes connections that do not answer
            assert self.transport is not None
            self.transport.write(ws_frame(0xA, payload))
        elif opcode == 0x8:
            raise RuntimeError(f"closed by the server: {payload[:2].hex()}")
        elif opcode in (0x0, 0x1):
            self.message += payload
            if first & 0x80:
                record(self.sub, json.loads(self.message), now)
                self.message = b""


CLIENTS = {"sse": SSEClient, "websocket": WebSocketClient}


async def open_subscriber(
    transport: str, sub: Subscriber, port: int, workflow_id: int, token: str
) -> StreamClient:
    """A live subscription (raises why not)."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: CLIENTS[transport](sub, port, workflow_id, token), "127.0.0.1", port
    )
    try:
        await client.ready
    except BaseException:
        client.stop()
        raise
    return client
