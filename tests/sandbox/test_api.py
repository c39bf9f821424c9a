# The typed kubernetes models make every field Optional and want model objects where the
# API accepts plain dicts; these tests read fields the sandbox has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""API machinery through the real kubernetes client: discovery, CRUD, errors, SSA, selectors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from kubernetes import client
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from deployments.sandbox import SandboxCluster

from .conftest import deployment, wait_for


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


def test_discovery_and_dynamic_client(api_client: client.ApiClient) -> None:
    dyn = DynamicClient(api_client)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced and "deploy" in deployments.short_names
    assert dyn.resources.get(api_version="v1", kind="Pod").subresources["log"]
    assert dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    assert dyn.version["kubernetes"]["minor"] == "32"
    names = {r["name"] for r in dyn.request("GET", "/apis/apps/v1").resources}
    assert {"deployments", "deployments/status", "deployments/scale"} <= names


def test_requests_without_the_token_get_401(sandbox: SandboxCluster) -> None:
    response = urllib3.PoolManager().request("GET", f"{sandbox.url}/api/v1/namespaces")
    assert response.status == 401
    assert json.loads(response.data)["kind"] == "Status"
    assert urllib3.PoolManager().request(
        "GET", f"{sandbox.url}/api/v1/namespaces",
        headers={"Authorization": f"Bearer {sandbox.token}"}).status == 200


def test_bootstrap_objects(core: client.CoreV1Api, api_client: client.ApiClient) -> None:
    names = {n.metadata.name for n in core.list_namespace().items}
    assert {"default", "kube-system", "kube-public"} <= names
    node = core.read_node("sandbox-node")
    assert node.status.capacity == {"cpu": "4", "memory": "8Gi", "pods": "110",
                                    "ephemeral-storage": "100Gi"}
    assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
    standard = client.StorageV1Api(api_client).read_storage_class("standard")
    assert standard.metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true"
    assert client.NetworkingV1Api(api_client).read_ingress_class("sandbox")


def test_configmap_crud_and_patch_flavours(core: client.CoreV1Api, sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "cfg"},
                                                     "data": {"a": "1"}})
    assert created.metadata.uid and created.metadata.creation_timestamp
    core.patch_namespaced_config_map("cfg", ns, {"data": {"b": "2"}})  # strategic -> merge
    core.api_client.set_default_header("Content-Type", "application/json-patch+json")
    patched = core.patch_namespaced_config_map(
        "cfg", ns, [{"op": "replace", "path": "/data/a", "value": "10"}])
    core.api_client.default_headers.pop("Content-Type")
    assert patched.data == {"a": "10", "b": "2"}
    patched.data["c"] = "3"
    replaced = core.replace_namespaced_config_map("cfg", ns, patched)
    assert int(replaced.metadata.resource_version) > int(patched.metadata.resource_version)
    stale = replaced
    stale.metadata.resource_version = created.metadata.resource_version
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("cfg", ns, stale)
    assert conflict.value.status == 409 and _status(conflict.value)["reason"] == "Conflict"
    core.delete_namespaced_config_map("cfg", ns)
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("cfg", ns)
    assert missing.value.status == 404
    assert _status(missing.value)["message"] == 'configmaps "cfg" not found'


def test_error_shapes(apps: client.AppsV1Api, core: client.CoreV1Api,
                      sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("dup"))
    with pytest.raises(ApiException) as exists:
        apps.create_namespaced_deployment(ns, deployment("dup"))
    assert exists.value.status == 409
    assert _status(exists.value)["message"] == 'deployments.apps "dup" already exists'
    with pytest.raises(ApiException) as bad_name:
        apps.create_namespaced_deployment(ns, deployment("Bad_Name"))
    status = _status(bad_name.value)
    assert bad_name.value.status == 422 and status["reason"] == "Invalid"
    assert status["message"].startswith('Deployment.apps "Bad_Name" is invalid: metadata.name: '
                                        'Invalid value: "Bad_Name": a lowercase RFC 1123 '
                                        "subdomain must consist of")
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("nope", ns)
    assert _status(missing.value)["message"] == 'deployments.apps "nope" not found'
    assert _status(missing.value)["details"] == {"name": "nope", "group": "apps",
                                                 "kind": "deployments"}
    with pytest.raises(ApiException) as no_ns:
        core.create_namespaced_config_map("no-such-ns", {"metadata": {"name": "x"}})
    assert no_ns.value.status == 404
    assert _status(no_ns.value)["message"] == 'namespaces "no-such-ns" not found'


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["spec"].pop("selector"), "spec.selector: Required value"),
    (lambda d: d["spec"]["template"]["metadata"].update(labels={"app": "other"}),
     "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: "
     "`selector` does not match template `labels`"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("image"),
     "spec.template.spec.containers[0].image: Required value"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(
        ports=[{"containerPort": 70000}]),
     "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
     "must be between 1 and 65535, inclusive"),
])
def test_deployment_validation(api_client: client.ApiClient, sandbox_namespace: str,
                               mutate: Any, expected: str) -> None:
    body = deployment("invalid")
    mutate(body)
    resource = DynamicClient(api_client).resources.get(api_version="apps/v1", kind="Deployment")
    with pytest.raises(ApiException) as error:
        resource.create(body=body, namespace=sandbox_namespace)
    assert error.value.status == 422
    assert expected in _status(error.value)["message"]


def test_service_needs_ports(core: client.CoreV1Api, sandbox_namespace: str) -> None:
    with pytest.raises(ApiException) as error:
        core.create_namespaced_service(sandbox_namespace, {
            "metadata": {"name": "svc"}, "spec": {"selector": {"app": "x"}}})
    assert error.value.status == 422
    assert _status(error.value)["message"] == 'Service "svc" is invalid: spec.ports: Required value'


def test_server_side_apply_is_idempotent_and_prunes(api_client: client.ApiClient,
                                                     sandbox_namespace: str) -> None:
    dyn = DynamicClient(api_client)
    resource = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("ssa", replicas=2)
    body["metadata"]["labels"]["tier"] = "front"
    first = resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                       field_manager="kubeorch", force_conflicts=True)
    assert first.metadata.managedFields[0].manager == "kubeorch"
    assert first.metadata.managedFields[0].operation == "Apply"
    # Controllers write status and the revision annotation: wait until they are done.
    settled = wait_for(lambda: _rolled_out(resource.get(name="ssa", namespace=sandbox_namespace)))
    again = resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                       field_manager="kubeorch", force_conflicts=True)
    assert again.metadata.resourceVersion == settled.metadata.resourceVersion
    assert again.metadata.generation == 1
    del body["metadata"]["labels"]["tier"]
    pruned = resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                        field_manager="kubeorch", force_conflicts=True)
    assert "tier" not in pruned.metadata.labels
    assert pruned.metadata.generation == 1  # metadata-only change
    body["spec"]["replicas"] = 5
    dry = resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                     field_manager="kubeorch", force_conflicts=True,
                                     dry_run="All")
    assert dry.spec.replicas == 5
    live = resource.get(name="ssa", namespace=sandbox_namespace)
    assert live.spec.replicas == 2 and live.metadata.generation == 1
    bumped = resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                        field_manager="kubeorch", force_conflicts=True)
    assert bumped.metadata.generation == 2


def _rolled_out(obj: Any) -> Any:
    available = obj.status and obj.status.availableReplicas == obj.spec.replicas
    return obj if available and obj.status.observedGeneration == obj.metadata.generation else None


def test_ssa_reapply_of_unchanged_config_map_keeps_resource_version(
        api_client: client.ApiClient, sandbox_namespace: str) -> None:
    resource = DynamicClient(api_client).resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "same"},
            "data": {"k": "v"}}
    versions = {resource.server_side_apply(body=body, namespace=sandbox_namespace,
                                           field_manager="kubeorch").metadata.resourceVersion
                for _ in range(3)}
    assert len(versions) == 1


def test_ssa_dry_run_create_stores_nothing(api_client: client.ApiClient,
                                           sandbox_namespace: str) -> None:
    dyn = DynamicClient(api_client)
    resource = dyn.resources.get(api_version="v1", kind="ConfigMap")
    result = resource.server_side_apply(
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry"},
              "data": {"k": "v"}},
        namespace=sandbox_namespace, field_manager="kubeorch", dry_run="All")
    assert result.data.k == "v"
    with pytest.raises(ApiException):
        client.CoreV1Api(api_client).read_namespaced_config_map("dry", sandbox_namespace)


def test_generation_bumps_on_spec_changes_only(apps: client.AppsV1Api,
                                               sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    apps.create_namespaced_deployment(ns, deployment("gen"))
    labelled = apps.patch_namespaced_deployment("gen", ns, {"metadata": {"labels": {"x": "y"}}})
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("gen", ns, {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2
    status = apps.patch_namespaced_deployment_status("gen", ns, {"status": {"replicas": 9}})
    assert status.metadata.generation == 2
    ignored = apps.patch_namespaced_deployment("gen", ns, {"status": {"replicas": 1}})
    assert ignored.status.replicas != 1 or ignored.metadata.generation == 2


def test_label_and_field_selectors(core: client.CoreV1Api, sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    for name, labels in (("a", {"env": "prod", "tier": "web"}), ("b", {"env": "dev"}),
                         ("c", {"tier": "db"})):
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})

    def names(**kwargs: str) -> list[str]:
        return [c.metadata.name for c in core.list_namespaced_config_map(ns, **kwargs).items]

    assert names(label_selector="env=prod") == ["a"]
    assert names(label_selector="env==dev") == ["b"]
    assert names(label_selector="env!=prod") == ["b", "c"]
    assert names(label_selector="env in (prod,dev)") == ["a", "b"]
    assert names(label_selector="env notin (prod)") == ["b", "c"]
    assert names(label_selector="tier") == ["a", "c"]
    assert names(label_selector="!tier") == ["b"]
    assert names(label_selector="tier,env=prod") == ["a"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    listed = core.list_namespaced_config_map(ns)
    assert int(listed.metadata.resource_version) > 0
    with pytest.raises(ApiException) as bad:
        names(field_selector="data.x=1")
    assert bad.value.status == 400
    everywhere = core.list_config_map_for_all_namespaces(label_selector="tier=db")
    assert [(c.metadata.namespace, c.metadata.name) for c in everywhere.items] == [(ns, "c")]


def test_list_pagination(core: client.CoreV1Api, sandbox_namespace: str) -> None:
    for index in range(5):
        core.create_namespaced_config_map(sandbox_namespace, {"metadata": {"name": f"p{index}"}})
    first = core.list_namespaced_config_map(sandbox_namespace, limit=2)
    assert len(first.items) == 2 and first.metadata._continue
    rest = core.list_namespaced_config_map(sandbox_namespace, limit=10,
                                           _continue=first.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["p2", "p3", "p4"]


def test_secret_string_data_becomes_base64(core: client.CoreV1Api,
                                           sandbox_namespace: str) -> None:
    secret = core.create_namespaced_secret(sandbox_namespace, {
        "metadata": {"name": "s"}, "stringData": {"password": "hunter2"}})
    assert secret.data == {"password": "aHVudGVyMg=="} and secret.type == "Opaque"
    assert secret.string_data is None


def test_service_gets_cluster_ip_and_node_port(core: client.CoreV1Api,
                                               sandbox_namespace: str) -> None:
    svc = core.create_namespaced_service(sandbox_namespace, {
        "metadata": {"name": "np"},
        "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [{"port": 80}]}})
    assert svc.spec.cluster_ip.startswith("10.9") and svc.spec.cluster_ip != "10.96.0.1"
    assert 30000 <= svc.spec.ports[0].node_port <= 32767
    assert svc.spec.ports[0].target_port == 80
    again = core.patch_namespaced_service("np", sandbox_namespace,
                                          {"metadata": {"labels": {"a": "b"}}})
    assert again.spec.cluster_ip == svc.spec.cluster_ip
    assert again.spec.ports[0].node_port == svc.spec.ports[0].node_port


@pytest.mark.parametrize(("body", "mode"), [
    # What kubectl and the kubernetes client send: JSON, as application/apply-patch+yaml.
    ('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"},'
     ' "data": {"MODE": "json"}}', "json"),
    # Block YAML, as a person would write it.
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  MODE: yaml\n",
     "yaml"),
    # A flow mapping that is YAML but not JSON.
    ("{apiVersion: v1, kind: ConfigMap, metadata: {name: applied}, data: {MODE: flow}}", "flow"),
])
def test_apply_bodies_are_read_as_json_or_yaml(sandbox: SandboxCluster, core: client.CoreV1Api,
                                               sandbox_namespace: str, body: str,
                                               mode: str) -> None:
    response = urllib3.PoolManager(cert_reqs="CERT_NONE").request(
        "PATCH",
        f"{sandbox.url}/api/v1/namespaces/{sandbox_namespace}/configmaps/applied"
        "?fieldManager=test&force=true",
        body=body.encode(),
        headers={"Authorization": f"Bearer {sandbox.token}",
                 "Content-Type": "application/apply-patch+yaml"},
    )
    assert response.status in (200, 201), response.data
    assert core.read_namespaced_config_map("applied", sandbox_namespace).data == {"MODE": mode}


def test_an_apply_body_that_is_not_yaml_is_a_400(sandbox: SandboxCluster,
                                                 sandbox_namespace: str) -> None:
    response = urllib3.PoolManager(cert_reqs="CERT_NONE").request(
        "PATCH",
        f"{sandbox.url}/api/v1/namespaces/{sandbox_namespace}/configmaps/broken"
        "?fieldManager=test",
        body=b"{kind: [unclosed",
        headers={"Authorization": f"Bearer {sandbox.token}",
                 "Content-Type": "application/apply-patch+yaml"},
    )
    assert response.status == 400
    assert "error decoding YAML" in json.loads(response.data)["message"]
