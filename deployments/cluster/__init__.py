"""The cluster adapter: the one code path through which KubeOrch touches any cluster.

from deployments.cluster import ConnectionSpec, connect
cluster = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=yaml_text))
cluster.apply({...})
"""

from deployments.cluster.client import ClusterClient
from deployments.cluster.connection import ConnectionSpec, connect
from deployments.cluster.errors import ClusterError, RetryPolicy, retry
from deployments.cluster.execsession import ExecSession
from deployments.cluster.models import (
    ApplyResult,
    ClusterInfo,
    FieldChange,
    ObjectDiff,
    ObjectRef,
    StorageClassInfo,
    WatchEvent,
)

__all__ = [
    "ApplyResult",
    "ClusterClient",
    "ClusterError",
    "ClusterInfo",
    "ConnectionSpec",
    "ExecSession",
    "FieldChange",
    "ObjectDiff",
    "ObjectRef",
    "RetryPolicy",
    "StorageClassInfo",
    "WatchEvent",
    "connect",
    "retry",
]
