"""Diagnostics endpoints: every kind answers, graph-level fixes, errors, and the personas."""

import pytest

from tests.diagnostics.helpers import apply, check, create, diagnostics, node_data, run
from tests.graphs import node
from tests.runs.graphs import all_kinds

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_kind_of_a_healthy_workflow_has_no_error(as_alice, engine, wait_for_run):
    nodes, edges = all_kinds()
    workflow = create(as_alice, nodes, edges)
    assert run(as_alice, workflow["id"], wait_for_run)["status"] == "completed"
    for item in nodes:
        report = diagnostics(as_alice, workflow["id"], item["id"])
        assert report["kind"] == item["type"] and report["node_id"] == item["id"]
        assert report["health"]["status"] in ("healthy", "suspended"), report["health"]
        statuses = {c["id"]: c["status"] for c in report["checks"]}
        assert statuses.get("object.present") == "pass", (item["id"], statuses)
        assert "error" not in statuses.values(), (item["id"], report["checks"])
    by_node = {n["id"]: diagnostics(as_alice, workflow["id"], n["id"]) for n in nodes}
    assert check(by_node["cfg"], "config.keys")["evidence"]["keys"] == ["MODE"]
    creds = check(by_node["creds"], "config.keys")["evidence"]
    assert creds["keys"] == ["API_KEY"] and "DB_PASSWORD" in creds["missing"], "no values shown"
    assert check(by_node["web-np"], "networkpolicy.pods")["evidence"]["pods"]
    assert check(by_node["web-svc"], "service.endpoints")["evidence"]["ready"]
    assert check(by_node["web-ing"], "ingress.backend")["status"] == "pass"
    assert check(by_node["web"], "pods.ready")["status"] == "pass"
    assert check(by_node["data"], "pvc.bound")["status"] == "pass"


def test_unconnected_service_is_connected_to_the_workload_of_its_name(as_alice, on_sandbox):
    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27", port=80),
        node("svc", "service", name="web", port=80),
    ]
    workflow = create(as_alice, nodes, [])
    found = check(diagnostics(as_alice, workflow["id"], "svc"), "service.workload")
    assert found["status"] == "error" and "selects no pods" in found["message"]
    assert found["fix"]["patch"] == [
        {
            "path": "/edges/svc->web",
            "old": None,
            "new": {"id": "svc->web", "source": "svc", "target": "web"},
        }
    ]
    fixed = apply(as_alice, workflow["id"], "svc", "service.connect-workload")
    assert fixed["workflow"]["edges"] == [{"id": "svc->web", "source": "svc", "target": "web"}]
    again = check(diagnostics(as_alice, workflow["id"], "svc"), "service.workload")
    assert again["status"] == "pass"


def test_never_run_node_is_reported_missing(as_alice, on_sandbox):
    workflow = create(as_alice, [node("cfg", "configmap", name="c", data={"A": "1"})], [])
    report = diagnostics(as_alice, workflow["id"], "cfg")
    assert report["health"]["status"] == "missing"
    present = check(report, "object.present")
    assert present["status"] == "error" and "run the workflow" in present["message"]


def test_unknown_node_and_unoffered_fix(as_alice, on_sandbox):
    workflow = create(as_alice, [node("cfg", "configmap", name="c")], [])
    url = f"/v1/api/workflows/{workflow['id']}/nodes"
    missing = as_alice.get(f"{url}/nope/diagnostics")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    response = as_alice.post(
        f"{url}/cfg/diagnostics/fix", {"fix_id": "image.last-healthy"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "fix_not_available"
    assert as_alice.post(f"{url}/cfg/diagnostics/fix", {}, format="json").status_code == 400


def test_personas(as_alice, as_bob, as_charlie, anonymous, alice, bob, team, on_sandbox):
    from workflows.actions.workflows import create_workflow
    from workflows.models import Membership

    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27", port=80),
        node("svc", "service", name="web", port=80),
    ]
    workflow = create_workflow(
        alice,
        team=team,
        name="w",
        namespace="diag-perm",
        cluster=team.clusters.get(name="sandbox"),
        nodes=nodes,
        edges=[],
    )
    url = f"/v1/api/workflows/{workflow.pk}/nodes/svc/diagnostics"
    body = {"fix_id": "service.connect-workload"}
    assert anonymous.get(url).status_code == 401
    assert anonymous.post(f"{url}/fix", body, format="json").status_code == 401
    assert as_charlie.get(url).status_code == 404
    assert as_charlie.post(f"{url}/fix", body, format="json").status_code == 404
    Membership.objects.filter(team=team, user=bob).update(role="viewer")
    assert as_bob.get(url).status_code == 200, "viewers read diagnostics"
    denied = as_bob.post(f"{url}/fix", body, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    workflow.refresh_from_db()
    assert workflow.edges == []
    Membership.objects.filter(team=team, user=bob).update(role="developer")
    fixed = as_bob.post(f"{url}/fix", body, format="json")
    assert fixed.status_code == 200, fixed.json()
    assert node_data(fixed.json()["workflow"], "svc") == {"name": "web", "port": 80}
    assert len(fixed.json()["workflow"]["edges"]) == 1
    assert as_alice.get(url).status_code == 200


def test_schema_documents_both_endpoints(as_alice):
    schema = as_alice.get("/v1/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    get = paths["/v1/api/workflows/{workflow_pk}/nodes/{node_id}/diagnostics/"]["get"]
    post = paths["/v1/api/workflows/{workflow_pk}/nodes/{node_id}/diagnostics/fix/"]["post"]
    assert "200" in get["responses"] and "200" in post["responses"]
    check_schema = schema["components"]["schemas"]["Check"]["properties"]
    assert {"id", "status", "message", "evidence", "fix"} <= set(check_schema)
