"""Retries against real HTTP failures, injected by a proxy in front of the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deployments.cluster import ClusterClient, ClusterError, ConnectionSpec, connect
from tests.cluster.conftest import ClusterTarget, config_map, fast_retries
from tests.cluster.flaky_proxy import FlakyProxy


@pytest.fixture
def proxy(cluster_target: ClusterTarget, sandbox_cluster: object) -> Iterator[FlakyProxy]:
    server, _ = cluster_target.server_and_token
    with FlakyProxy(server) as flaky:
        yield flaky


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def proxied(
    proxy: FlakyProxy, cluster_target: ClusterTarget, sleeps: list[float]
) -> Iterator[ClusterClient]:
    _, token = cluster_target.server_and_token
    spec = ConnectionSpec(kind="token", server=proxy.url, token=token)
    with connect(spec, retry_policy=fast_retries(sleeps)) as client:
        client.resource("v1", "ConfigMap")  # discovery done before failures are injected
        yield client


def test_503_twice_then_success(
    proxied: ClusterClient, proxy: FlakyProxy, sleeps: list[float], namespace: str
) -> None:
    proxy.fail_next(2, 503, path_contains="/configmaps")
    result = proxied.apply(config_map("through-proxy", namespace))
    assert result.created
    assert [status for status, _ in proxy.served_failures] == [503, 503]
    assert len(sleeps) == 2


def test_429_retry_after_is_honoured(
    proxied: ClusterClient, proxy: FlakyProxy, sleeps: list[float], namespace: str
) -> None:
    proxy.fail_next(1, 429, path_contains="/configmaps", Retry_After="2")
    assert proxied.list("v1", "ConfigMap", namespace=namespace) == []
    assert sleeps == [2.0]  # the server's wish, longer than our 0.05s cap


def test_persistent_503_gives_up_with_the_server_message(
    proxied: ClusterClient, proxy: FlakyProxy, sleeps: list[float], namespace: str
) -> None:
    proxy.fail_next(100, 503, path_contains="/configmaps")
    with pytest.raises(ClusterError) as info:
        proxied.get("v1", "ConfigMap", "x", namespace)
    assert info.value.status == 503 and info.value.retryable
    assert info.value.message == f"get ConfigMap x in ns {namespace}: injected failure 503"
    assert len(proxy.served_failures) == 5 and len(sleeps) == 4


def test_permanent_errors_are_not_retried(
    proxied: ClusterClient, proxy: FlakyProxy, sleeps: list[float], namespace: str
) -> None:
    with pytest.raises(ClusterError) as info:
        proxied.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "BAD", "namespace": namespace},
            }
        )
    assert info.value.status == 422 and sleeps == []


def test_delete_whose_response_was_lost_still_reports_deleted(
    proxied: ClusterClient, proxy: FlakyProxy, sleeps: list[float], namespace: str
) -> None:
    proxied.apply(config_map("doomed", namespace))
    proxy.lose_response_next("DELETE", "/configmaps/doomed")
    assert proxied.delete("v1", "ConfigMap", "doomed", namespace) is True
    assert [status for status, _ in proxy.served_failures] == [504] and len(sleeps) == 1
    assert proxied.get("v1", "ConfigMap", "doomed", namespace) is None
    assert proxied.delete("v1", "ConfigMap", "doomed", namespace) is False
