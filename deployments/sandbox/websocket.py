"""A minimal RFC 6455 server-side WebSocket: handshake, masking, fragmentation, ping/pong,
close. Enough for the Kubernetes exec channel protocols (v4/v5.channel.k8s.io)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
from typing import BinaryIO

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_MESSAGE = 16 * 1024 * 1024


class WebSocketClosed(Exception):
    pass


def accept_key(client_key: str) -> str:
    digest = hashlib.sha1((client_key + GUID).encode()).digest()
    return base64.b64encode(digest).decode()


def choose_subprotocol(offered: str, supported: tuple[str, ...]) -> str | None:
    wanted = [p.strip() for p in offered.split(",") if p.strip()]
    return next((p for p in wanted if p in supported), None)


class WebSocket:
    def __init__(self, rfile: BinaryIO, wfile: BinaryIO, conn: socket.socket) -> None:
        self._rfile, self._wfile, self._conn = rfile, wfile, conn
        self._send_lock = threading.Lock()
        self.closed = False

    def _read_exact(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            try:
                chunk = self._rfile.read(count - len(data))
            except OSError as exc:
                raise WebSocketClosed from exc
            if not chunk:
                raise WebSocketClosed
            data += chunk
        return data

    def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exact(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        masked, length = bool(second & 0x80), second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exact(8))[0]
        if length > MAX_MESSAGE:
            self.close(1009, "message too big")
            raise WebSocketClosed
        mask = self._read_exact(4) if masked else b""
        payload = self._read_exact(length)
        if masked:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return fin, opcode, payload

    def receive(self) -> tuple[int, bytes]:
        """Next complete data message (opcode, payload); answers pings; raises on close."""
        message, message_opcode = b"", None
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == OP_PING:
                self.send(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                code = payload[:2] if len(payload) >= 2 else struct.pack("!H", 1000)
                self.send_close_frame(code)
                raise WebSocketClosed
            if opcode != OP_CONTINUATION:
                message_opcode = opcode
            message += payload
            if fin and message_opcode is not None:
                return message_opcode, message

    def send(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([length])
        elif length < 65536:
            header += bytes([126]) + struct.pack("!H", length)
        else:
            header += bytes([127]) + struct.pack("!Q", length)
        with self._send_lock:
            if self.closed and opcode != OP_CLOSE:
                raise WebSocketClosed
            try:
                self._wfile.write(header + payload)
                self._wfile.flush()
            except OSError as exc:
                self.closed = True
                raise WebSocketClosed from exc

    def send_close_frame(self, code: bytes) -> None:
        if self.closed:
            return
        with contextlib.suppress(WebSocketClosed):
            self.send(OP_CLOSE, code)
        self.closed = True

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.send_close_frame(struct.pack("!H", code) + reason.encode()[:120])
        with contextlib.suppress(OSError):
            self._conn.shutdown(socket.SHUT_WR)
