"""Connecting: kubeconfig content, token + server, isolation, info() and bad settings."""

from __future__ import annotations

import os
import socket

import certifi
import pytest
from kubernetes import client as k8s

from deployments.cluster import ClusterError, ConnectionSpec, connect
from tests.cluster.conftest import ClusterTarget, fast_retries


def test_connect_from_kubeconfig_content(cluster_target: ClusterTarget) -> None:
    kind = "kubeconfig" if cluster_target.is_real else "sandbox"
    with connect(ConnectionSpec(kind=kind, kubeconfig=cluster_target.kubeconfig)) as client:
        assert client.get("v1", "Namespace", "default") is not None


def test_connect_from_token_and_server(cluster_target: ClusterTarget) -> None:
    server, token = cluster_target.server_and_token
    if token is None or (server.startswith("https") and not cluster_target.ca_cert):
        pytest.skip("this kubeconfig has no bearer token or no embedded CA certificate")
    spec = ConnectionSpec(kind="token", server=server, token=token, ca_cert=cluster_target.ca_cert)
    with connect(spec) as client:
        names = [ns["metadata"]["name"] for ns in client.list("v1", "Namespace")]
        ca_file = client.api_client.configuration.ssl_ca_cert
    assert "default" in names
    if ca_file:
        assert not os.path.exists(ca_file)  # the PEM's temp file is removed on close


def test_wrong_ca_fails_verification_permanently(cluster_target: ClusterTarget) -> None:
    server, token = cluster_target.server_and_token
    if not server.startswith("https"):
        pytest.skip("plain HTTP cluster")
    other_ca = certifi.contents()  # public CAs: none of them signed a local cluster
    spec = ConnectionSpec(kind="token", server=server, token=token or "x" * 8, ca_cert=other_ca)
    with connect(spec, retry_policy=fast_retries()) as client, pytest.raises(ClusterError) as info:
        client.list("v1", "Namespace")
    assert info.value.reason == "TLSError" and not info.value.retryable


def test_wrong_token_is_a_permanent_401(cluster_target: ClusterTarget) -> None:
    server, _ = cluster_target.server_and_token
    spec = ConnectionSpec(
        kind="token", server=server, token="not-the-token-123", ca_cert=cluster_target.ca_cert
    )
    with connect(spec, retry_policy=fast_retries()) as client, pytest.raises(ClusterError) as info:
        client.list("v1", "Namespace")
    assert info.value.status == 401 and not info.value.retryable
    assert "not-the-token-123" not in str(info.value)


def test_clients_are_isolated_from_the_global_configuration(cluster_target: ClusterTarget) -> None:
    before = k8s.Configuration.get_default_copy().host
    server, _ = cluster_target.server_and_token
    with connect(ConnectionSpec(kind="kubeconfig", kubeconfig=cluster_target.kubeconfig)) as one:
        one.info()
        other = connect(ConnectionSpec(kind="token", server="http://127.0.0.1:9", token="t" * 8))
        assert one.api_client.configuration is not other.api_client.configuration
        assert other.api_client.configuration.host == "http://127.0.0.1:9"
        other.close()
    assert k8s.Configuration.get_default_copy().host == before != server


def test_secrets_stay_out_of_repr() -> None:
    spec = ConnectionSpec(kind="token", server="https://example.test", token="s3cr3t-token")
    assert "s3cr3t-token" not in repr(spec)


def test_info_reports_version_nodes_namespaces_and_storage_classes(cluster) -> None:
    info = cluster.info()
    assert info.server_version.startswith("v")
    assert info.node_count is None or info.node_count >= 1
    assert "default" in info.namespaces and "kube-system" in info.namespaces
    assert all(sc.name for sc in info.storage_classes)
    assert sum(sc.default for sc in info.storage_classes) <= 1


def test_info_on_the_sandbox_has_a_default_storage_class(cluster, sandbox_cluster) -> None:
    info = cluster.info()
    assert info.node_count and info.node_count >= 1
    assert any(sc.default for sc in info.storage_classes)


@pytest.mark.parametrize(
    "spec",
    [
        ConnectionSpec(kind="carrier-pigeon"),
        ConnectionSpec(kind="kubeconfig", kubeconfig=None),
        ConnectionSpec(kind="kubeconfig", kubeconfig="just a string"),
        ConnectionSpec(kind="kubeconfig", kubeconfig="apiVersion: v1\nkind: Config\n"),
        ConnectionSpec(kind="token", server="https://example.test"),
    ],
)
def test_invalid_settings_fail_at_connect(spec: ConnectionSpec) -> None:
    with pytest.raises(ClusterError) as info:
        connect(spec)
    assert info.value.reason == "InvalidConfig" and not info.value.retryable


def test_unreachable_server_is_retried_then_reported() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    spec = ConnectionSpec(kind="token", server=f"http://127.0.0.1:{port}", token="t" * 8)
    with (
        connect(spec, retry_policy=fast_retries(sleeps)) as client,
        pytest.raises(ClusterError) as info,
    ):
        client.info()
    assert info.value.retryable and info.value.reason == "ConnectionRefused"
    assert info.value.message.startswith("discover the cluster's API: ")
    assert len(sleeps) == 4  # 5 attempts
