"""Questions about how objects relate: the cluster overview, an object's events, a
workload's pods. Built on ClusterClient.list/get, so retries and errors come for free."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deployments.cluster import selectors
from deployments.cluster.errors import ClusterError
from deployments.cluster.models import (
    ClusterInfo,
    KubeObject,
    ObjectList,
    ObjectRef,
    StorageClassInfo,
)

if TYPE_CHECKING:
    from deployments.cluster.client import ClusterClient

DEFAULT_STORAGE_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def cluster_info(client: ClusterClient) -> ClusterInfo:
    version = client._request_json("read the server version", "get", "/version")
    warnings: list[str] = []
    namespaces = sorted(item["metadata"]["name"] for item in client.list("v1", "Namespace"))
    nodes = _list_if_allowed(client, "v1", "Node", warnings)
    classes = _list_if_allowed(client, "storage.k8s.io/v1", "StorageClass", warnings) or []
    return ClusterInfo(
        server_version=str(version.get("gitVersion") or ""),
        node_count=None if nodes is None else len(nodes),
        namespaces=namespaces,
        storage_classes=sorted(
            (_storage_class_info(item) for item in classes), key=lambda info: info.name
        ),
        warnings=warnings,
    )


def _list_if_allowed(
    client: ClusterClient, api_version: str, kind: str, warnings: list[str]
) -> ObjectList | None:
    """List, or None (with a warning) when these credentials may not see the kind.

    Namespace-scoped service accounts commonly cannot list nodes or storage classes; the
    connection still works, so "test connection" should say so rather than fail.
    """
    try:
        return client.list(api_version, kind)
    except ClusterError as error:
        if error.status in (401, 403, 404):
            warnings.append(error.message)
            return None
        raise


def _storage_class_info(item: KubeObject) -> StorageClassInfo:
    annotations = (item.get("metadata") or {}).get("annotations") or {}
    default = any(annotations.get(key) == "true" for key in DEFAULT_STORAGE_CLASS_ANNOTATIONS)
    return StorageClassInfo(
        name=item["metadata"]["name"],
        default=default,
        provisioner=str(item.get("provisioner") or ""),
    )


# --- events ---------------------------------------------------------------------------


def events_for(client: ClusterClient, obj: KubeObject) -> ObjectList:
    ref = ObjectRef.of(obj)
    uid = (obj.get("metadata") or {}).get("uid")
    # Events about cluster-scoped objects are recorded in the default namespace.
    namespace = ref.namespace or "default"
    if uid:
        field_selector = f"involvedObject.uid={uid}"
    else:
        field_selector = f"involvedObject.kind={ref.kind},involvedObject.name={ref.name}"
    events = client.list("v1", "Event", namespace=namespace, field_selector=field_selector)
    # Filtering again is cheap and keeps the answer right where an API server
    # supports fewer field selectors (aggregated APIs, older servers).
    matching = [event for event in events if _is_about(event, ref, uid)]
    return sorted(matching, key=_event_sort_key)


def _is_about(event: KubeObject, ref: ObjectRef, uid: str | None) -> bool:
    involved = event.get("involvedObject") or {}
    if uid and involved.get("uid"):
        return involved["uid"] == uid
    return involved.get("kind") == ref.kind and involved.get("name") == ref.name


def _event_sort_key(event: KubeObject) -> tuple[str, int]:
    metadata = event.get("metadata") or {}
    when = (
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or metadata.get("creationTimestamp")
        or ""
    )
    # resourceVersions are opaque, but where numeric they order same-second events well.
    version = str(metadata.get("resourceVersion") or "")
    return (_sortable_time(when), int(version) if version.isdigit() else 0)


def _sortable_time(value: str) -> str:
    """RFC3339 timestamps with and without fractions, comparable as text."""
    if not value:
        return ""
    second, _, fraction = value.rstrip("Z").partition(".")
    return f"{second}.{fraction.ljust(9, '0')}"


# --- pods -----------------------------------------------------------------------------


def pods_for(client: ClusterClient, workload: KubeObject) -> ObjectList:
    ref = ObjectRef.of(workload)
    label_selector = _workload_selector(client, workload, ref)
    if label_selector is None:
        return []  # no selector at all: selects nothing rather than everything
    pods = client.list(
        "v1",
        "Pod",
        namespace=ref.namespace or client.default_namespace,
        label_selector=label_selector,
    )
    return sorted(pods, key=lambda pod: pod["metadata"]["name"])


def _workload_selector(client: ClusterClient, workload: KubeObject, ref: ObjectRef) -> str | None:
    selector = (workload.get("spec") or {}).get("selector")
    if not selector and ref.name:
        # A Job manifest usually has no selector: the server generates one.
        live = client.get(ref.api_version, ref.kind, ref.name, ref.namespace)
        selector = ((live or {}).get("spec") or {}).get("selector")
    if not selector and ref.kind == "Job":
        selector = {"matchLabels": {"job-name": ref.name}}
    try:
        return selectors.to_label_selector(selector)
    except ValueError as exc:
        raise ClusterError(f"find pods of {ref}: {exc}", reason="Invalid") from None
