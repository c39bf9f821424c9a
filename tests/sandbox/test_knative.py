# The typed kubernetes models make every field Optional; these tests read fields the sandbox
# has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""Knative Serving's ksvc in a sandbox started with knative=True, through the official
kubernetes client: discovery, revisions as Deployments, conditions, traffic to the latest
ready revision, bring-your-own revision names, validation, deletion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from deployments.sandbox import SandboxCluster

from .conftest import wait_for

GROUP, VERSION, PLURAL = "serving.knative.dev", "v1", "services"


@pytest.fixture
def kn_api(knative_sandbox: SandboxCluster) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(config_file=str(knative_sandbox.kubeconfig_path))
    yield api
    api.close()


@pytest.fixture
def custom(kn_api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(kn_api)


@pytest.fixture
def kn_apps(kn_api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(kn_api)


@pytest.fixture
def kn_core(kn_api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(kn_api)


def ksvc(name: str, image: str = "nginx:1.27", env: dict[str, str] | None = None,
         revision: str | None = None, port: int | None = 8080) -> dict[str, Any]:
    container: dict[str, Any] = {"image": image,
                                 "env": [{"name": k, "value": v} for k, v in (env or {}).items()]}
    if port:
        container["ports"] = [{"containerPort": port}]
    template: dict[str, Any] = {"metadata": {"labels": {"tier": "web"}},
                                "spec": {"containers": [container]}}
    if revision:
        template["metadata"]["name"] = revision
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Service",
            "metadata": {"name": name}, "spec": {"template": template}}


def read(custom: client.CustomObjectsApi, ns: str, name: str) -> dict[str, Any]:
    return dict(custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name))


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}


def wait_ready(custom: client.CustomObjectsApi, ns: str, name: str, status: str = "True",
               revision: str | None = None) -> dict[str, Any]:
    def check() -> Any:
        obj = read(custom, ns, name)
        ready = conditions(obj).get("Ready", {})
        wanted_revision = revision is None or \
            obj["status"].get("latestCreatedRevisionName") == revision
        return obj if ready.get("status") == status and wanted_revision and \
            obj["status"]["observedGeneration"] == obj["metadata"]["generation"] else None

    return dict(wait_for(check, timeout=15))


def replace_template(custom: client.CustomObjectsApi, ns: str, name: str,
                     body: dict[str, Any]) -> None:
    custom.patch_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name,
                                          {"spec": body["spec"]})


def test_discovery_lists_knative_only_when_enabled(kn_api: client.ApiClient,
                                                   sandbox: SandboxCluster) -> None:
    groups = {g.name for g in client.ApisApi(kn_api).get_api_versions().groups}
    assert GROUP in groups
    resource = DynamicClient(kn_api).resources.get(api_version=f"{GROUP}/{VERSION}",
                                                   kind="Service")
    assert (resource.name, resource.namespaced, resource.short_names) == (
        "services", True, ["ksvc"])
    plain = config.new_client_from_config(config_file=str(sandbox.kubeconfig_path))
    try:
        assert GROUP not in {g.name for g in client.ApisApi(plain).get_api_versions().groups}
        with pytest.raises(ResourceNotFoundError):
            DynamicClient(plain).resources.get(api_version=f"{GROUP}/{VERSION}", kind="Service")
        with pytest.raises(ApiException) as missing:
            client.CustomObjectsApi(plain).list_namespaced_custom_object(
                GROUP, VERSION, "default", PLURAL)
        assert missing.value.status == 404
    finally:
        plain.close()


def test_ksvc_becomes_ready_with_a_revision_deployment(custom: client.CustomObjectsApi,
                                                       kn_apps: client.AppsV1Api,
                                                       kn_core: client.CoreV1Api,
                                                       knative_namespace: str) -> None:
    ns = knative_namespace
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, ksvc("hello"))
    obj = wait_ready(custom, ns, "hello")
    status = obj["status"]
    assert status["latestCreatedRevisionName"] == status["latestReadyRevisionName"] == \
        "hello-00001"
    assert status["url"] == f"http://hello.{ns}.example.com"
    assert status["address"]["url"] == f"http://hello.{ns}.svc.cluster.local"
    assert status["traffic"] == [{"revisionName": "hello-00001", "latestRevision": True,
                                  "percent": 100}]
    assert {k: c["status"] for k, c in conditions(obj).items()} == {
        "ConfigurationsReady": "True", "RoutesReady": "True", "Ready": "True"}

    deployment = kn_apps.read_namespaced_deployment("hello-00001-deployment", ns)
    labels = deployment.metadata.labels
    assert labels["serving.knative.dev/service"] == "hello"
    assert labels["serving.knative.dev/revision"] == "hello-00001"
    assert deployment.metadata.owner_references[0].kind == "Service"
    assert deployment.metadata.owner_references[0].api_version == f"{GROUP}/{VERSION}"
    pods = kn_core.list_namespaced_pod(
        ns, label_selector="serving.knative.dev/service=hello").items
    assert len(pods) == 1 and pods[0].metadata.labels["tier"] == "web"
    container = pods[0].spec.containers[0]
    env = {e.name: e.value for e in container.env}
    assert container.name == "user-container" and container.ports[0].container_port == 8080
    assert env == {"PORT": "8080", "K_SERVICE": "hello", "K_CONFIGURATION": "hello",
                   "K_REVISION": "hello-00001"}


def test_failing_revision_leaves_the_previous_one_serving(custom: client.CustomObjectsApi,
                                                          kn_apps: client.AppsV1Api,
                                                          knative_namespace: str) -> None:
    ns = knative_namespace
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, ksvc("api"))
    wait_ready(custom, ns, "api")
    replace_template(custom, ns, "api", ksvc("api", env={"SANDBOX_CRASH": "1"}))
    failed = wait_ready(custom, ns, "api", status="False", revision="api-00002")
    status = failed["status"]
    assert status["latestReadyRevisionName"] == "api-00001"
    assert status["traffic"][0]["revisionName"] == "api-00001"
    ready = conditions(failed)["Ready"]
    assert ready["reason"] == "RevisionFailed"
    assert ready["message"].startswith('Revision "api-00002" failed with message: ')
    assert "CrashLoopBackOff" in ready["message"] or "Error: Container failed" in \
        ready["message"], ready
    assert conditions(failed)["ConfigurationsReady"]["status"] == "False"
    assert conditions(failed)["RoutesReady"]["status"] == "True"
    serving = kn_apps.read_namespaced_deployment("api-00001-deployment", ns)
    assert serving.spec.replicas == 1 and serving.status.available_replicas == 1

    # A fixed template makes a third revision; the failed one scales to zero.
    replace_template(custom, ns, "api", ksvc("api", env={"FIXED": "1"}))
    fixed = wait_ready(custom, ns, "api", revision="api-00003")
    assert fixed["status"]["latestReadyRevisionName"] == "api-00003"
    wait_for(lambda: kn_apps.read_namespaced_deployment("api-00002-deployment", ns)
             .spec.replicas == 0)
    wait_for(lambda: kn_apps.read_namespaced_deployment("api-00001-deployment", ns)
             .spec.replicas == 0)


def test_image_that_cannot_be_pulled_is_container_missing(custom: client.CustomObjectsApi,
                                                          knative_namespace: str) -> None:
    ns = knative_namespace
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL,
                                           ksvc("ghost", image="nginx:missing"))
    failed = wait_ready(custom, ns, "ghost", status="False")
    assert "latestReadyRevisionName" not in failed["status"]
    assert "traffic" not in failed["status"]
    ready = conditions(failed)["Ready"]
    assert ready["reason"] == "ContainerMissing"
    assert "ImagePullBackOff" in ready["message"] or "ErrImagePull" in ready["message"]
    routes = conditions(failed)["RoutesReady"]
    assert (routes["status"], routes["reason"]) == ("False", "RevisionMissing")


def test_progressing_is_unknown_revision_missing(custom: client.CustomObjectsApi,
                                                 knative_sandbox: SandboxCluster,
                                                 knative_namespace: str) -> None:
    ns = knative_namespace
    body = ksvc("slow", env={"SANDBOX_NOT_READY": "1"})
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, body)
    waiting = wait_ready(custom, ns, "slow", status="Unknown")
    ready = conditions(waiting)["Ready"]
    assert ready["reason"] == "RevisionMissing"
    assert ready["message"] == 'Configuration "slow" is waiting for a Revision to become ready.'
    assert waiting["status"]["latestCreatedRevisionName"] == "slow-00001"


def test_bring_your_own_revision_name_reselects_an_existing_revision(
        custom: client.CustomObjectsApi, kn_apps: client.AppsV1Api,
        knative_namespace: str) -> None:
    ns = knative_namespace
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL,
                                           ksvc("shop", revision="shop-r1"))
    wait_ready(custom, ns, "shop", revision="shop-r1")
    replace_template(custom, ns, "shop", ksvc("shop", revision="shop-r2",
                                              env={"SANDBOX_CRASH": "1"}))
    wait_ready(custom, ns, "shop", status="False", revision="shop-r2")
    replace_template(custom, ns, "shop", ksvc("shop", revision="shop-r1"))
    back = wait_ready(custom, ns, "shop", revision="shop-r1")
    assert back["status"]["latestReadyRevisionName"] == "shop-r1"
    names = sorted(d.metadata.name for d in kn_apps.list_namespaced_deployment(ns).items)
    assert names == ["shop-r1-deployment", "shop-r2-deployment"]
    wait_for(lambda: kn_apps.read_namespaced_deployment("shop-r2-deployment", ns)
             .spec.replicas == 0)


def test_webhook_validation(custom: client.CustomObjectsApi, knative_namespace: str) -> None:
    ns = knative_namespace
    for body, field in ((ksvc("bad", env={"PORT": "80"}),
                         "spec.template.spec.containers[0].env[0].name"),
                        (ksvc("bad", revision="other-r1"), "spec.template.metadata.name")):
        with pytest.raises(ApiException) as rejected:
            custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, body)
        assert rejected.value.status == 422
        assert field in rejected.value.body


def test_deleting_the_ksvc_deletes_its_revisions(custom: client.CustomObjectsApi,
                                                 kn_apps: client.AppsV1Api,
                                                 kn_core: client.CoreV1Api,
                                                 knative_namespace: str) -> None:
    ns = knative_namespace
    custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, ksvc("gone"))
    wait_ready(custom, ns, "gone")
    custom.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "gone",
                                           body={"propagationPolicy": "Foreground"})
    wait_for(lambda: not kn_apps.list_namespaced_deployment(ns).items)
    wait_for(lambda: not kn_core.list_namespaced_pod(
        ns, label_selector="serving.knative.dev/service=gone").items)
    with pytest.raises(ApiException) as missing:
        read(custom, ns, "gone")
    assert missing.value.status == 404
