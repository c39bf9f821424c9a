"""Server-side apply, dry run, diff, get/list/delete and how their failures are reported."""

from __future__ import annotations

import pytest
from kubernetes.dynamic.exceptions import ConflictError

from deployments.cluster import ClusterClient, ClusterError
from tests.cluster.conftest import config_map, deployment


def test_apply_creates_then_reapply_is_a_no_op(cluster: ClusterClient, namespace: str) -> None:
    manifest = config_map("settings", namespace)
    first = cluster.apply(manifest)
    assert first.created and first.changed
    assert first.object["data"] == {"key": "value"}

    again = cluster.apply(manifest)
    assert not again.created and not again.changed
    version = first.object["metadata"]["resourceVersion"]
    assert again.object["metadata"]["resourceVersion"] == version
    live = cluster.get("v1", "ConfigMap", "settings", namespace)
    assert live is not None and live["metadata"]["resourceVersion"] == version


def test_apply_with_a_change_reports_changed(cluster: ClusterClient, namespace: str) -> None:
    cluster.apply(config_map("settings", namespace))
    result = cluster.apply(config_map("settings", namespace, {"key": "other"}))
    assert result.changed and not result.created
    assert result.object["data"] == {"key": "other"}


def test_dry_run_stores_nothing(cluster: ClusterClient, namespace: str) -> None:
    result = cluster.apply(config_map("dry", namespace), dry_run=True)
    assert result.created and result.object["metadata"]["name"] == "dry"
    assert cluster.get("v1", "ConfigMap", "dry", namespace) is None

    cluster.apply(config_map("dry", namespace))
    before = cluster.get("v1", "ConfigMap", "dry", namespace)
    changed = cluster.apply(config_map("dry", namespace, {"key": "new"}), dry_run=True)
    assert changed.changed and changed.object["data"] == {"key": "new"}
    after = cluster.get("v1", "ConfigMap", "dry", namespace)
    assert after == before
    unchanged = cluster.apply(config_map("dry", namespace), dry_run=True)
    assert not unchanged.changed


def test_diff_shows_the_changed_replicas_path(cluster: ClusterClient, namespace: str) -> None:
    manifest = deployment("web", namespace, replicas=1)
    creating = cluster.diff(manifest)
    assert creating.action == "create" and creating.live is None
    assert any(change.path == "spec.replicas" and change.new == 1 for change in creating.changes)

    cluster.apply(manifest)
    assert cluster.diff(manifest).action == "unchanged"

    scaled = cluster.diff(deployment("web", namespace, replicas=3))
    assert scaled.action == "update"
    assert {"path": "spec.replicas", "old": 1, "new": 3} in scaled.to_dict()["changes"]
    assert not any("managedFields" in change.path for change in scaled.changes)
    live = cluster.get("apps/v1", "Deployment", "web", namespace)
    assert live is not None and live["spec"]["replicas"] == 1  # diff changed nothing


def test_invalid_object_reports_the_server_message(cluster: ClusterClient, namespace: str) -> None:
    broken = deployment("Not_A_Valid_Name", namespace)
    with pytest.raises(ClusterError) as info:
        cluster.apply(broken)
    error = info.value
    assert error.status == 422 and error.reason == "Invalid" and not error.retryable
    assert error.message.startswith(f"apply Deployment Not_A_Valid_Name in ns {namespace}: ")
    assert "Not_A_Valid_Name" in error.message.split(": ", 1)[1]  # the server's own words


def test_missing_required_field_is_invalid(cluster: ClusterClient, namespace: str) -> None:
    manifest = deployment("nocontainers", namespace)
    manifest["spec"]["template"]["spec"]["containers"] = []
    with pytest.raises(ClusterError) as info:
        cluster.apply(manifest)
    assert info.value.status == 422 and not info.value.retryable


def test_unknown_kind_is_a_permanent_not_found(cluster: ClusterClient, namespace: str) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    with pytest.raises(ClusterError) as info:
        cluster.apply(widget)
    assert info.value.status == 404 and not info.value.retryable


def test_get_and_delete_of_missing_objects(cluster: ClusterClient, namespace: str) -> None:
    assert cluster.get("v1", "ConfigMap", "absent", namespace) is None
    assert cluster.delete("v1", "ConfigMap", "absent", namespace) is False
    cluster.apply(config_map("present", namespace))
    assert cluster.delete("v1", "ConfigMap", "present", namespace) is True
    assert cluster.get("v1", "ConfigMap", "present", namespace) is None


def test_apply_conflict_without_force_is_permanent_409(
    cluster: ClusterClient, namespace: str, sandbox_gap
) -> None:
    sandbox_gap("server-side apply field ownership: no 409 FieldManagerConflict without force")
    cluster.apply(config_map("shared", namespace), field_manager="someone-else")
    with pytest.raises(ClusterError) as info:
        cluster.apply(config_map("shared", namespace, {"key": "mine"}), force=False)
    assert info.value.status == 409 and not info.value.retryable
    forced = cluster.apply(config_map("shared", namespace, {"key": "mine"}), force=True)
    assert forced.changed and forced.object["data"] == {"key": "mine"}


def test_create_of_existing_namespace_is_fine(cluster: ClusterClient, namespace: str) -> None:
    cluster.ensure_namespace(namespace)  # already there: no error
    with pytest.raises(ConflictError) as info:
        cluster.dynamic.create(
            cluster.resource("v1", "Namespace"),
            body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        )
    # The raw client's 409 classifies as AlreadyExists: permanent.
    error = cluster.classify(info.value, "create")
    assert error.status == 409 and error.reason == "AlreadyExists" and not error.retryable


def test_list_with_label_and_field_selectors(cluster: ClusterClient, namespace: str) -> None:
    for name in ("alpha", "beta", "gamma"):
        cluster.apply(config_map(name, namespace))
    everything = cluster.list("v1", "ConfigMap", namespace=namespace)
    assert {"alpha", "beta", "gamma"} <= {item["metadata"]["name"] for item in everything}
    assert all(item["kind"] == "ConfigMap" and item["apiVersion"] == "v1" for item in everything)

    by_label = cluster.list("v1", "ConfigMap", namespace=namespace, label_selector="app=beta")
    assert [item["metadata"]["name"] for item in by_label] == ["beta"]
    by_field = cluster.list(
        "v1", "ConfigMap", namespace=namespace, field_selector="metadata.name=gamma"
    )
    assert [item["metadata"]["name"] for item in by_field] == ["gamma"]
    in_set = cluster.list(
        "v1", "ConfigMap", namespace=namespace, label_selector="app in (alpha,gamma)"
    )
    assert sorted(item["metadata"]["name"] for item in in_set) == ["alpha", "gamma"]


def test_apply_many_keeps_input_order(cluster: ClusterClient, namespace: str) -> None:
    manifests = [config_map(f"cm-{index:02d}", namespace) for index in range(12)]
    results = cluster.apply_many(manifests, concurrency=4)
    assert [r.object["metadata"]["name"] for r in results] == [f"cm-{i:02d}" for i in range(12)]
    assert all(r.created for r in results)
    again = cluster.apply_many(manifests, concurrency=4)
    assert not any(r.changed for r in again)


def test_apply_many_creates_namespaces_first_and_reports_failures(
    cluster: ClusterClient, namespace: str
) -> None:
    fresh = f"{namespace}-x"
    manifests = [
        config_map("inside", fresh),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": fresh}},
        deployment("Bad_Name", namespace),
    ]
    try:
        results = cluster.apply_many(manifests, return_errors=True)
        assert results[0].created and results[1].created
        assert isinstance(results[2], ClusterError) and results[2].status == 422
        with pytest.raises(ClusterError, match="Bad_Name"):
            cluster.apply_many(manifests)
    finally:
        cluster.delete("v1", "Namespace", fresh)


def test_namespace_defaults_from_the_kubeconfig_context(cluster: ClusterClient) -> None:
    manifest = config_map("kubeorch-default-ns-probe", "ignored")
    del manifest["metadata"]["namespace"]
    result = cluster.apply(manifest, dry_run=True)
    assert result.object["metadata"]["namespace"] == cluster.default_namespace
