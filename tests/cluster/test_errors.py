"""Unit tests of error classification, redaction and retry (no cluster needed)."""

from __future__ import annotations

import json

import pytest
import urllib3
from kubernetes.client.exceptions import ApiException

from deployments.cluster import ClusterError, RetryPolicy, retry
from deployments.cluster.errors import backoff_delay, classify, redact


def api_exception(status: int, reason: str, message: str, **extra: object) -> ApiException:
    body = {"kind": "Status", "status": "Failure", "code": status, "reason": reason}
    body.update({"message": message, **extra})
    error = ApiException(status=status, reason=reason)
    error.body = json.dumps(body)
    error.headers = {}
    return error


@pytest.mark.parametrize(
    ("status", "reason", "retryable"),
    [
        (400, "BadRequest", False),
        (401, "Unauthorized", False),
        (403, "Forbidden", False),
        (404, "NotFound", False),
        (422, "Invalid", False),
        (409, "AlreadyExists", False),
        (409, "Conflict", True),
        (429, "TooManyRequests", True),
        (500, "InternalError", True),
        (502, "BadGateway", True),
        (503, "ServiceUnavailable", True),
        (504, "Timeout", True),
    ],
)
def test_status_codes_are_classified(status: int, reason: str, retryable: bool) -> None:
    error = classify(api_exception(status, reason, "server says no"), "apply Deployment web")
    assert error.status == status
    assert error.reason == reason
    assert error.retryable is retryable
    assert error.message == "apply Deployment web: server says no"


def test_field_manager_conflict_is_permanent() -> None:
    details = {"causes": [{"type": "FieldManagerConflict", "field": ".spec.replicas"}]}
    exc = api_exception(
        409, "Conflict", 'Apply failed with 1 conflict: conflict with "kubectl"', details=details
    )
    error = classify(exc, "apply Deployment web in ns demo")
    assert error.retryable is False
    assert error.details["causes"][0]["field"] == ".spec.replicas"


def test_retry_after_header_is_read() -> None:
    exc = api_exception(429, "TooManyRequests", "slow down")
    exc.headers = {"Retry-After": "3"}
    assert classify(exc, "list Pod").retry_after == 3.0


def test_non_status_body_still_reaches_the_message() -> None:
    exc = ApiException(status=502, reason="Bad Gateway")
    exc.body = "<html>upstream connect error</html>"
    error = classify(exc, "get ConfigMap x")
    assert "upstream connect error" in error.message and error.retryable


def test_connection_refused_is_retryable() -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", 1)
    refused = urllib3.exceptions.NewConnectionError(pool, "Connection refused")
    error = classify(urllib3.exceptions.MaxRetryError(pool, "/api", refused), "get Pod x")
    assert error.retryable and error.reason == "ConnectionRefused" and error.status is None


def test_timeouts_and_resets_are_retryable() -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", 1)
    read_timeout = urllib3.exceptions.ReadTimeoutError(pool, "/api", "read timed out")
    assert classify(read_timeout, "get").reason == "Timeout"
    reset = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
    assert classify(reset, "get").retryable


def test_certificate_failures_are_permanent() -> None:
    error = classify(urllib3.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED]"), "get")
    assert error.retryable is False and error.reason == "TLSError"


def test_websocket_handshake_failure_carries_the_server_status() -> None:
    status = {"kind": "Status", "code": 404, "reason": "NotFound", "message": 'pods "x" not found'}
    body = repr(json.dumps(status).encode())  # how websocket-client prints the body
    text = f"Handshake status 404 Not Found -+-+- {{'content-type': 'x'}} -+-+- {body}"
    error = classify(ApiException(status=0, reason=text), "exec sh in Pod x in ns demo")
    assert error.status == 404 and error.reason == "NotFound" and not error.retryable
    assert error.message == 'exec sh in Pod x in ns demo: pods "x" not found'


def test_tokens_never_reach_messages() -> None:
    text = "Authorization: Bearer abc.def-ghi and 'authorization': 'Bearer xyz'"
    cleaned = redact(text, secrets=["supersecret-token"])
    assert "abc.def-ghi" not in cleaned and "xyz" not in cleaned
    error = classify(RuntimeError("failed with supersecret-token"), "get", ["supersecret-token"])
    assert "supersecret-token" not in error.message and "supersecret-token" not in str(error)


def test_retry_repeats_retryable_errors_then_succeeds() -> None:
    sleeps: list[float] = []
    calls = iter([ClusterError("x", status=503, retryable=True)] * 2 + ["ok"])

    def flaky() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert retry(flaky, sleep=sleeps.append, jitter=lambda: 1.0) == "ok"
    assert sleeps == [0.2, 0.4]


def test_retry_fails_at_once_on_permanent_errors() -> None:
    sleeps: list[float] = []
    attempts = []

    def forbidden() -> None:
        attempts.append(1)
        raise ClusterError("get: forbidden", status=403, retryable=False)

    with pytest.raises(ClusterError, match="forbidden"):
        retry(forbidden, sleep=sleeps.append)
    assert len(attempts) == 1 and sleeps == []


def test_retry_gives_up_after_attempts_with_the_last_error() -> None:
    sleeps: list[float] = []

    def down() -> None:
        raise ClusterError("get: connection refused", retryable=True)

    with pytest.raises(ClusterError, match="connection refused"):
        RetryPolicy(attempts=3, sleep=sleeps.append).run(down)
    assert len(sleeps) == 2


def test_retry_honours_retry_after_within_bounds() -> None:
    sleeps: list[float] = []
    calls = iter([ClusterError("busy", status=429, retryable=True, retry_after=2.5), "ok"])

    def busy() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    retry(busy, sleep=sleeps.append)
    assert sleeps == [2.5]
    huge = ClusterError("busy", status=429, retryable=True, retry_after=10_000)
    with pytest.raises(ClusterError):
        retry(lambda: (_ for _ in ()).throw(huge), attempts=2, sleep=sleeps.append)
    assert sleeps[-1] == 60.0


def test_backoff_is_exponential_capped_and_jittered() -> None:
    assert backoff_delay(1, 0.2, 5.0, lambda: 0.0) == pytest.approx(0.1)
    assert backoff_delay(3, 0.2, 5.0, lambda: 1.0) == pytest.approx(0.8)
    assert backoff_delay(20, 0.2, 5.0, lambda: 1.0) == pytest.approx(5.0)
    assert backoff_delay(20, 0.2, 5.0, lambda: 0.0) == pytest.approx(2.5)


def test_a_transport_failure_wrapped_in_value_error_stays_retryable() -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", 1)
    reset = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
    try:
        try:
            raise urllib3.exceptions.MaxRetryError(pool, "/version", reset)
        except urllib3.exceptions.MaxRetryError:
            # what kubernetes.dynamic.discovery does with a reset on plain HTTP
            raise ValueError("Host value http://x should start with https://") from None
    except ValueError as wrapped:
        error = classify(wrapped, "discover the cluster's API")
    assert error.retryable and error.reason == "ConnectionReset"


def test_programming_errors_are_permanent() -> None:
    error = classify(ValueError("Namespace is required for v1.Pod"), "apply Pod x")
    assert not error.retryable and error.reason == "ClientError"
