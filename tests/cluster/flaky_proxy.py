"""A tiny HTTP proxy in front of an API server that can answer with injected failures.

Used to check the adapter's retries against real responses: the first N matching
requests get the injected status (e.g. 503, 429 with Retry-After), the rest are
forwarded unchanged. The client talks plain HTTP to the proxy; the proxy talks HTTP or
HTTPS (without verifying: it is a local test fixture) to the upstream.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

REASONS = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "Timeout"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass
class Injection:
    status: int
    remaining: int
    path_contains: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = ""  # only requests with this method ("" = any)
    forward_first: bool = False  # the upstream does the work; only the answer is lost


class FlakyProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_tls = parts.scheme == "https"
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or (443 if self.upstream_tls else 80)
        self.injections: list[Injection] = []
        self.served_failures: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FlakyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(
        self, count: int, status: int, *, path_contains: str = "", **headers: str
    ) -> None:
        with self.lock:
            self.injections.append(Injection(status, count, path_contains, headers))

    def upstream_connection(self) -> http.client.HTTPConnection:
        if not self.upstream_tls:
            return http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(
            self.upstream_host, self.upstream_port, timeout=30, context=context
        )

    def lose_response_next(self, method: str, path_contains: str, status: int = 504) -> None:
        """Forward the next matching request, but answer the client with `status`."""
        with self.lock:
            self.injections.append(
                Injection(status, 1, path_contains, method=method, forward_first=True)
            )

    def _take_injection(self, method: str, path: str) -> Injection | None:
        with self.lock:
            for injection in self.injections:
                if injection.method and injection.method != method:
                    continue
                if injection.remaining > 0 and injection.path_contains in path:
                    injection.remaining -= 1
                    self.served_failures.append((injection.status, path))
                    return injection
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                injection = proxy._take_injection(self.command, self.path)
                if injection is None:
                    self._forward(body)
                    return
                if injection.forward_first:
                    self._forward(body, reply=False)
                self._send_failure(injection)

            def _send_failure(self, injection: Injection) -> None:
                status = {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "code": injection.status,
                    "reason": REASONS.get(injection.status, "InternalError"),
                    "message": f"injected failure {injection.status}",
                }
                payload = json.dumps(status).encode()
                self.send_response(injection.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in injection.headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(payload)

            def _forward(self, body: bytes | None, *, reply: bool = True) -> None:
                upstream = proxy.upstream_connection()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                if not reply:
                    upstream.close()
                    return
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                upstream.close()

        return Handler
