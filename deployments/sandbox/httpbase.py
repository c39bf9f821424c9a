"""The request handler's plumbing: auth, JSON/Status replies, chunked streaming."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import ApiError

if TYPE_CHECKING:
    from .cluster import SandboxCluster


TLS_DIR = Path(__file__).parent / "tls"
CA_CERT = TLS_DIR / "ca.crt"
_TLS_RECORD_HANDSHAKE = 0x16


class SandboxHTTPServer(ThreadingHTTPServer):
    """Serves plain HTTP and HTTPS on the same port: the first byte of a connection tells a
    TLS ClientHello apart from an HTTP request line. kubectl only sends bearer tokens over
    TLS; the python client and curl are happy with either."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 cluster: SandboxCluster) -> None:
        super().__init__(address, handler)
        self.cluster = cluster
        self._streams: set[socket.socket] = set()
        self._streams_lock = threading.Lock()
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(TLS_DIR / "server.crt", TLS_DIR / "server.key")
        self._tls.set_alpn_protocols(["http/1.1"])

    def finish_request(self, request: socket.socket | tuple[bytes, socket.socket],
                       client_address: Any) -> None:
        assert isinstance(request, socket.socket)
        try:
            # Headers and body go out in separate writes: without NODELAY, Nagle plus the
            # client's delayed ACK adds ~40 ms to every request.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request.settimeout(10)
            first = request.recv(1, socket.MSG_PEEK)
            if first and first[0] == _TLS_RECORD_HANDSHAKE:
                request = self._tls.wrap_socket(request, server_side=True)
            request.settimeout(None)
        except (OSError, ssl.SSLError):
            return
        super().finish_request(request, client_address)

    def track_stream(self, conn: socket.socket) -> None:
        with self._streams_lock:
            self._streams.add(conn)

    def untrack_stream(self, conn: socket.socket) -> None:
        with self._streams_lock:
            self._streams.discard(conn)

    def cut_streams(self) -> None:
        with self._streams_lock:
            streams = list(self._streams)
        for conn in streams:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class StreamClosed(Exception):
    """The client went away (or a test cut the connection) in the middle of a stream."""


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    server_version = "KubeOrchSandbox/1.0"

    query: dict[str, list[str]]
    path_only: str

    def log_message(self, format: str, *args: Any) -> None:
        return  # Quiet: tests would drown in access logs.

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("true", "1")

    def parse_url(self) -> None:
        parts = urlsplit(self.path)
        self.path_only = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)

    def authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        return header == f"Bearer {self.server.cluster.token}"

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_bytes(self, code: int, payload: bytes, content_type: str = "application/json",
                   ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_json(self, code: int, body: Any) -> None:
        self.send_bytes(code, json.dumps(body).encode())

    def send_error_status(self, error: ApiError) -> None:
        self.send_bytes(error.code, error.body())

    # -- chunked streaming -----------------------------------------------------------------
    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.flush()
        self.server.track_stream(self.connection)

    def write_chunk(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError as exc:
            raise StreamClosed from exc

    def end_stream(self, clean: bool) -> None:
        self.server.untrack_stream(self.connection)
        if clean:
            try:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            except OSError:
                pass
        self.close_connection = True
