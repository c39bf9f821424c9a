"""From a Cluster row to a connected adapter client: the only way the product reaches a cluster.

Clients are cached per cluster and rebuilt when the row (credentials) or the sandbox kubeconfig
changes, so discovery is not repeated on every request.
"""

import threading
from pathlib import Path

from django.conf import settings

from deployments.cluster import ClusterClient, ClusterError, ConnectionSpec, connect
from workflows.models import Cluster, ConnectionKind

_cache: dict[int, tuple[tuple, ClusterClient]] = {}
_lock = threading.Lock()


def sandbox_kubeconfig() -> str:
    path = Path(settings.KUBEORCH_SANDBOX_KUBECONFIG)
    if not path.exists():
        raise ClusterError(
            f"the sandbox cluster is not running (no kubeconfig at {path}); "
            "start KubeOrch with `make run`",
            retryable=True,
        )
    return path.read_text()


def connection_spec(cluster: Cluster) -> ConnectionSpec:
    credentials = cluster.credentials or {}
    kind = cluster.connection_kind
    if kind == ConnectionKind.SANDBOX:
        return ConnectionSpec(kind="sandbox", kubeconfig=sandbox_kubeconfig())
    if kind == ConnectionKind.KUBECONFIG:
        return ConnectionSpec(
            kind="kubeconfig",
            kubeconfig=credentials.get("kubeconfig"),
            context=credentials.get("context") or None,
        )
    if kind == ConnectionKind.TOKEN:
        return ConnectionSpec(
            kind="token",
            server=credentials.get("server"),
            token=credentials.get("token"),
            ca_cert=credentials.get("ca_cert") or None,
            insecure_skip_tls_verify=bool(credentials.get("insecure_skip_tls_verify")),
        )
    return ConnectionSpec(kind="in-cluster")


def _cache_key(cluster: Cluster) -> tuple:
    sandbox_stamp = None
    if cluster.connection_kind == ConnectionKind.SANDBOX:
        path = Path(settings.KUBEORCH_SANDBOX_KUBECONFIG)
        sandbox_stamp = (str(path), path.stat().st_mtime_ns if path.exists() else None)
    return (cluster.updated_at, sandbox_stamp)


def client_for(cluster: Cluster) -> ClusterClient:
    key = _cache_key(cluster)
    with _lock:
        cached = _cache.get(cluster.pk)
        if cached and cached[0] == key:
            return cached[1]
    client = connect(connection_spec(cluster))
    with _lock:
        old = _cache.get(cluster.pk)
        _cache[cluster.pk] = (key, client)
    if old and old[1] is not client:
        old[1].close()
    return client
