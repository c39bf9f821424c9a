"""Turning every failure of the kubernetes client into one ClusterError, and retrying.

The API server explains most failures itself in a Status object (`message`, `reason`,
`details`); that message is what a user needs, so it is always carried into
ClusterError.message together with what KubeOrch was doing at the time.
"""

from __future__ import annotations

import ast
import json
import logging
import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.dynamic.exceptions import ResourceNotFoundError, ResourceNotUniqueError

log = logging.getLogger(__name__)

# Server-side trouble that tends to go away: overload, restarts, load balancers.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Retry-After can be large; waiting longer than this is worse than failing visibly.
MAX_RETRY_AFTER_SECONDS = 60.0


class ClusterError(Exception):
    """A failed cluster operation, classified.

    message: "<what we were doing>: <the API server's own message>" (never credentials).
    status: HTTP status, None when no HTTP response was received.
    reason: the Status reason (NotFound, Invalid, AlreadyExists, Conflict, ...) or a
        short description of the transport failure (ConnectionRefused, Timeout, ...).
    retryable: whether repeating the same call may succeed.
    details: the Status details (causes, field errors) when the server sent them.
    retry_after: seconds the server asked us to wait (429/503 Retry-After).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        retryable: bool = False,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.retryable = retryable
        self.details = details or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"ClusterError(status={self.status!r}, reason={self.reason!r}, "
            f"retryable={self.retryable!r}, message={self.message!r})"
        )


# --- redaction ------------------------------------------------------------------------

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove bearer tokens and the given secret values from text meant for users/logs."""
    text = _BEARER.sub(r"\1<redacted>", text)
    text = _AUTH_HEADER.sub(r"\1<redacted>", text)
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "<redacted>")
    return text


# --- classification -------------------------------------------------------------------


def classify(exc: BaseException, doing: str, secrets: Iterable[str] = ()) -> ClusterError:
    """Map any exception raised by the kubernetes client stack to a ClusterError."""
    if isinstance(exc, ClusterError):
        return exc
    if isinstance(exc, ApiException):
        error = _from_api_exception(exc, doing)
    elif isinstance(exc, ResourceNotFoundError | ResourceNotUniqueError):
        error = ClusterError(
            f"{doing}: the server has no unique resource type for it ({exc})",
            status=404 if isinstance(exc, ResourceNotFoundError) else None,
            reason="NotFound" if isinstance(exc, ResourceNotFoundError) else "Ambiguous",
        )
    elif isinstance(exc, ConfigException):
        error = ClusterError(f"{doing}: invalid connection settings: {exc}", reason="InvalidConfig")
    else:
        error = _from_transport_error(exc, doing)
    error.message = redact(error.message, secrets)
    error.args = (error.message,)
    return error


def _from_api_exception(exc: ApiException, doing: str) -> ClusterError:
    status = exc.status or None
    if not status:
        # The websocket transport (exec) reports handshake failures as status 0 with the
        # HTTP status and the Status body folded into the reason text.
        return _from_websocket_failure(str(exc.reason or ""), doing)
    body = _parse_status_body(exc.body)
    server_message = body.get("message") or _short_text(exc.body) or exc.reason or "no message"
    reason = body.get("reason") or exc.reason
    details = body.get("details") or {}
    retry_after = _retry_after(exc.headers, details)
    return ClusterError(
        f"{doing}: {server_message}",
        status=status,
        reason=reason,
        retryable=_is_retryable_status(status, reason, details),
        details=details,
        retry_after=retry_after,
    )


def _is_retryable_status(status: int, reason: str | None, details: dict[str, Any]) -> bool:
    if status in RETRYABLE_STATUSES:
        return True
    if status != 409:
        return False
    # 409 covers three situations. AlreadyExists and server-side-apply field-manager
    # conflicts (apply without force) are decisions for a human: repeating changes
    # nothing. Optimistic-concurrency conflicts ("the object has been modified") clear up
    # on a new attempt.
    if reason == "AlreadyExists":
        return False
    causes = details.get("causes") or []
    return not any(cause.get("type") == "FieldManagerConflict" for cause in causes)


def _parse_status_body(body: Any) -> dict[str, Any]:
    if not body:
        return {}
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _short_text(body: Any, limit: int = 300) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = str(body or "").strip()
    return text[:limit]


def _retry_after(headers: Any, details: dict[str, Any]) -> float | None:
    value = None
    if headers:
        value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        value = details.get("retryAfterSeconds")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP-date; our own backoff is good enough


_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})")


def _from_websocket_failure(text: str, doing: str) -> ClusterError:
    match = _HANDSHAKE_STATUS.search(text)
    if match is None:
        transport = ClusterError(
            f"{doing}: {text or 'connection failed'}",
            reason="ConnectionFailed",
            retryable="CERTIFICATE_VERIFY_FAILED" not in text,
        )
        return transport
    status = int(match.group(1))
    body = _status_from_text(text)
    reason = body.get("reason")
    details = body.get("details") or {}
    return ClusterError(
        f"{doing}: {body.get('message') or text.split(' -+-+- ')[0]}",
        status=status,
        reason=reason,
        retryable=_is_retryable_status(status, reason, details),
        details=details,
    )


def _status_from_text(text: str) -> dict[str, Any]:
    """Find the JSON Status in a websocket handshake error text.

    websocket-client formats it as "Handshake status 404 Not Found -+-+- {headers} -+-+-
    b'<body>'", the body being the repr() of the response bytes.
    """
    for chunk in reversed(text.split(" -+-+- ")):
        chunk = chunk.strip()
        try:
            body = ast.literal_eval(chunk) if chunk[:2] in ("b'", 'b"') else chunk
        except (ValueError, SyntaxError):
            continue
        parsed = _parse_status_body(body)
        if parsed.get("kind") == "Status" or "message" in parsed:
            return parsed
    return {}


def _from_transport_error(exc: BaseException, doing: str) -> ClusterError:
    root = _transport_cause(exc)
    if _is_certificate_failure(root):
        return ClusterError(
            f"{doing}: TLS certificate verification failed ({root})", reason="TLSError"
        )
    kind = _transport_kind(root)
    if kind is None:
        return ClusterError(f"{doing}: {type(root).__name__}: {root}", reason="ClientError")
    return ClusterError(f"{doing}: {kind} ({root})", reason=kind, retryable=True)


def _transport_cause(exc: BaseException) -> BaseException:
    """The transport failure behind exc, looking through exceptions that wrap it.

    The client sometimes re-raises a dropped connection as something else: discovery
    turns a connection reset on /version into ValueError("Host value ... should start
    with https://"), which would otherwise look like a permanent configuration error.
    """
    current: BaseException | None = exc
    for _ in range(6):
        if current is None:
            break
        root = _root_cause(current)
        if _transport_kind(root) is not None or _is_certificate_failure(root):
            return root
        current = current.__cause__ or current.__context__
    return _root_cause(exc)


def _root_cause(exc: BaseException) -> BaseException:
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return exc.reason
    return exc


def _is_certificate_failure(exc: BaseException) -> bool:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return True
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _transport_kind(exc: BaseException) -> str | None:
    """Name the transport failure if it is one that retrying can fix, else None."""
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
        return "ConnectionRefused"
    if isinstance(exc, urllib3.exceptions.TimeoutError | socket.timeout | TimeoutError):
        return "Timeout"
    if isinstance(exc, urllib3.exceptions.ProtocolError | ConnectionError):
        return "ConnectionReset"
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return "ConnectionFailed"
    return None


# --- retrying -------------------------------------------------------------------------


def backoff_delay(attempt: int, base: float, cap: float, jitter: Callable[[], float]) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random.

    The random half spreads out clients that failed together; the fixed half keeps a
    minimum pause so a struggling server gets some relief.
    """
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return ceiling / 2 + jitter() * ceiling / 2


def retry[T](
    fn: Callable[[], T],
    *,
    attempts: int = 5,
    base: float = 0.2,
    cap: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Call fn until it succeeds, retrying ClusterErrors marked retryable.

    Permanent errors and the last attempt's error are raised unchanged. A Retry-After
    from the server lengthens the wait (up to MAX_RETRY_AFTER_SECONDS).
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ClusterError as error:
            if not error.retryable or attempt >= attempts:
                raise
            delay = backoff_delay(attempt, base, cap, jitter)
            if error.retry_after is not None:
                delay = max(delay, min(error.retry_after, MAX_RETRY_AFTER_SECONDS))
            log.info("retrying in %.2fs (attempt %d/%d): %s", delay, attempt, attempts, error)
            sleep(delay)
    raise AssertionError("unreachable: attempts must be >= 1")


@dataclass(frozen=True)
class RetryPolicy:
    """The retry settings a ClusterClient applies to every call (injectable for tests)."""

    attempts: int = 5
    base: float = 0.2
    cap: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def run[T](self, fn: Callable[[], T]) -> T:
        return retry(
            fn,
            attempts=self.attempts,
            base=self.base,
            cap=self.cap,
            sleep=self.sleep,
            jitter=self.jitter,
        )

    def delay(self, attempt: int) -> float:
        return backoff_delay(attempt, self.base, self.cap, self.jitter)
