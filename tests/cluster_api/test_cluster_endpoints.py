"""Cluster test, manifest export and preview, through the API against the sandbox cluster."""

import subprocess
import uuid

import pytest
import yaml

from tests.graphs import edge, node

pytestmark = pytest.mark.django_db


def sandbox_client(sandbox):
    from deployments.cluster import ConnectionSpec, connect

    return connect(ConnectionSpec(kind="kubeconfig", kubeconfig=sandbox.kubeconfig_yaml()))


def full_graph(namespace: str) -> tuple[list, list]:
    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27", replicas=2, port=80),
        node("svc", "service", name="web", port=80),
        node("ing", "ingress", name="web", host="shop.example.com",
             paths=[{"path": "/", "pathType": "Prefix"}]),
        node("cfg", "configmap", name="web-config", data={"MODE": "demo"}),
        node("creds", "secret", name="web-creds", data={"PASSWORD": "hunter2-very-secret"}),
    ]
    edges = [edge("svc", "web"), edge("ing", "svc"), edge("cfg", "web"), edge("creds", "web")]
    return nodes, edges


@pytest.fixture
def workflow(as_alice, on_sandbox):
    namespace = f"exp-{uuid.uuid4().hex[:8]}"
    nodes, edges = full_graph(namespace)
    body = {"name": "shop", "namespace": namespace, "nodes": nodes, "edges": edges}
    response = as_alice.post("/v1/api/workflows", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_cluster_test_reports_the_cluster(as_alice, on_sandbox):
    cluster = as_alice.get("/v1/api/clusters").json()["results"][0]
    info = as_alice.post(f"/v1/api/clusters/{cluster['id']}/test").json()
    assert info["server_version"].startswith("v1.")
    assert info["node_count"] == 1
    assert "default" in info["namespaces"]
    assert {"name": "standard", "default": True} in [
        {"name": c["name"], "default": c["default"]} for c in info["storage_classes"]
    ]


def test_cluster_test_gives_the_precise_error(as_alice, on_sandbox):
    bad = as_alice.post("/v1/api/clusters", {
        "name": "nowhere", "connection_kind": "token",
        "credentials": {"server": "https://127.0.0.1:1", "token": "t0k3n-never-shown",
                        "insecure_skip_tls_verify": True},
    }, format="json").json()
    response = as_alice.post(f"/v1/api/clusters/{bad['id']}/test")
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == "cluster_error" and body["retryable"] is True
    assert "refused" in body["message"].lower()
    assert "t0k3n" not in response.content.decode()


def test_cluster_test_permissions(as_bob, as_charlie, alice, bob, team, on_sandbox):
    from workflows.models import Membership

    cluster = team.clusters.get(name="sandbox")
    assert as_charlie.post(f"/v1/api/clusters/{cluster.pk}/test").status_code == 404
    assert as_bob.post(f"/v1/api/clusters/{cluster.pk}/test").status_code == 200
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    assert as_bob.post(f"/v1/api/clusters/{cluster.pk}/test").status_code == 403


def test_exported_yaml_applies_with_kubectl_server_side(as_alice, workflow, on_sandbox,
                                                        tmp_path):
    response = as_alice.get(f"/v1/api/workflows/{workflow['id']}/manifests")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    text = response.content.decode()
    assert "hunter2" not in text, "secret values are never exported"
    documents = list(yaml.safe_load_all(text))
    kinds = [d["kind"] for d in documents]
    assert kinds == ["ConfigMap", "Secret", "Deployment", "Service", "Ingress"]
    secret = documents[1]
    assert secret["metadata"]["annotations"]["kubeorch.io/withheld-keys"] == "PASSWORD"
    path = tmp_path / "export.yaml"
    path.write_text(text)
    kubeconfig = str(on_sandbox.kubeconfig_path)
    namespace = workflow["namespace"]
    sandbox_client(on_sandbox).ensure_namespace(namespace)
    applied = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/web serverside-applied" in applied.stdout
    again = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 0, again.stderr


def test_preview_shows_create_then_update(as_alice, workflow, on_sandbox):
    wid = workflow["id"]
    first = as_alice.post(f"/v1/api/workflows/{wid}/preview").json()["objects"]
    assert {o["action"] for o in first} == {"create"}
    assert all(o.get("note") == "namespace will be created" for o in first)

    client = sandbox_client(on_sandbox)
    client.ensure_namespace(workflow["namespace"])
    second = as_alice.post(f"/v1/api/workflows/{wid}/preview").json()["objects"]
    assert {o["action"] for o in second} == {"create"}
    secret = next(o for o in second if o["kind"] == "Secret")
    assert "hunter2" not in str(secret)

    manifests = as_alice.get(f"/v1/api/workflows/{wid}/manifests").content
    for document in yaml.safe_load_all(manifests):
        client.apply(document)
    nodes = workflow["nodes"]
    nodes[0]["data"]["replicas"] = 4
    as_alice.post(f"/v1/api/workflows/{wid}/save", {"nodes": nodes, "edges": workflow["edges"]},
                  format="json")
    third = {o["node_id"]: o for o in as_alice.post(f"/v1/api/workflows/{wid}/preview").json()[
        "objects"]}
    assert third["web"]["action"] == "update"
    assert {"path": "spec.replicas", "old": 2, "new": 4} in third["web"]["changes"]
    assert third["cfg"]["action"] == "unchanged"
