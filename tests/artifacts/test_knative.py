"""Artifacts on a cluster that serves Knative Serving: the same /api/artifacts pipeline deploys a
ksvc instead of a Deployment + Service, and a revision whose pods crash fails at deploy while
Knative keeps routing to the previous ready revision."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deployments.artifacts import knative, serving, workload
from deployments.clusters import client_for
from deployments.models.artifacts import Artifact
from deployments.sandbox import SandboxCluster, deletion
from deployments.sandbox import resources as R
from tests.artifacts.conftest import STATIC_SITE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_knative(pipeline: Any, knative_sandbox: SandboxCluster,
               settings: Any) -> Iterator[SandboxCluster]:
    """The product's `sandbox` clusters point at the Knative sandbox for this test; the
    namespaces the test created there are deleted afterwards."""
    settings.KUBEORCH_SANDBOX_KUBECONFIG = knative_sandbox.kubeconfig_path
    before = {ns["metadata"]["name"] for ns in knative_sandbox.store.list(R.NAMESPACES)[0]}
    yield knative_sandbox
    for namespace in knative_sandbox.store.list(R.NAMESPACES)[0]:
        name = namespace["metadata"]["name"]
        if name not in before and knative_sandbox.api.find(R.NAMESPACES, None, name):
            deletion.delete(knative_sandbox.api, R.NAMESPACES, None, name)


def wait_for(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
    return found


def live_ksvc(sandbox: SandboxCluster, artifact: dict[str, Any]) -> dict[str, Any]:
    found = sandbox.api.find(R.KNATIVE_SERVICES, artifact["namespace"], artifact["name"])
    assert found is not None
    return found


def test_chooser_follows_what_the_cluster_serves(on_knative: SandboxCluster, sandbox: Any,
                                                 team: Any) -> None:
    cluster = team.clusters.get(name="sandbox")
    assert serving.for_cluster(client_for(cluster)) is knative
    from deployments.cluster import ConnectionSpec, connect

    plain = connect(ConnectionSpec(kind="sandbox", kubeconfig=sandbox.kubeconfig_yaml()))
    try:
        assert serving.for_cluster(plain) is workload
        assert serving.for_cluster(plain) is workload  # cached
    finally:
        plain.close()


def test_artifact_deploys_as_a_ksvc_and_a_crashing_update_keeps_the_previous_revision(
        as_alice: Any, on_knative: SandboxCluster, deploy: Any, wait_artifact: Any) -> None:
    sandbox = on_knative
    artifact = wait_artifact(deploy("site", STATIC_SITE, env={"GREETING": "hi"})["artifact_id"])
    assert artifact["status"] == "running", artifact["error"]
    ns, name = artifact["namespace"], artifact["name"]

    ksvc = live_ksvc(sandbox, artifact)
    status = ksvc["status"]
    assert artifact["url"] == status["url"] == f"http://site.{ns}.example.com"
    assert status["latestReadyRevisionName"] == status["latestCreatedRevisionName"] == "site-r1"
    assert ksvc["metadata"]["labels"]["kubeorch.io/artifact"] == str(artifact["id"])
    template = ksvc["spec"]["template"]
    assert template["metadata"]["annotations"]["kubeorch.io/revision"] == "1"
    container = template["spec"]["containers"][0]
    assert container["image"] == artifact["image_ref"]
    assert container["ports"] == [{"name": "http1", "containerPort": 80}]
    assert {"name": "GREETING", "value": "hi"} in container["env"]
    assert all(e["name"] != "PORT" for e in container["env"])
    assert sandbox.api.find(R.DEPLOYMENTS, ns, name) is None
    assert sandbox.api.find(R.SERVICES, ns, name) is None
    assert sandbox.api.find(R.DEPLOYMENTS, ns, "site-r1-deployment") is not None
    runtime = as_alice.get(f"/api/artifacts/{artifact['id']}/logs?stage=runtime").json()
    assert runtime["pods"] and runtime["pods"][0]["revision"] == "1"

    response = as_alice.put(f"/api/artifacts/{artifact['id']}",
                            {"files": {**STATIC_SITE, "index.html": "<h1>v2</h1>"},
                             "env": {"SANDBOX_CRASH": "1"}}, format="json")
    assert response.status_code == 202 and response.json()["revision"] == 2
    failed = wait_artifact(artifact["id"], revision=2)
    assert failed["status"] == "failed"
    assert failed["error"]["stage"] == "deploy", failed["error"]
    assert "RevisionFailed" in failed["error"]["reason"], failed["error"]
    assert failed["serving_revision"] == 1 and failed["url"] == artifact["url"]

    # The failed deploy puts revision 1's template back: Knative re-selects that revision.
    restored = wait_for(lambda: (live_ksvc(sandbox, artifact)["status"]
                                 .get("latestCreatedRevisionName") == "site-r1"
                                 and live_ksvc(sandbox, artifact)))
    status = restored["status"]
    assert restored["spec"]["template"]["metadata"]["name"] == "site-r1"
    assert status["latestReadyRevisionName"] == "site-r1"
    assert status["traffic"] == [{"revisionName": "site-r1", "latestRevision": True,
                                  "percent": 100}]
    assert {c["type"]: c["status"] for c in status["conditions"]}["Ready"] == "True"
    assert sandbox.api.find(R.DEPLOYMENTS, ns, "site-r1-deployment")["status"][
        "availableReplicas"] == 1

    as_alice.delete(f"/api/artifacts/{artifact['id']}")

    wait_for(lambda: not Artifact.objects.filter(pk=artifact["id"]).exists(), timeout=30)
    assert sandbox.api.find(R.KNATIVE_SERVICES, ns, name) is None
    wait_for(lambda: not sandbox.store.list(R.DEPLOYMENTS, ns)[0], timeout=10)
