"""The main design-time story through the REST API: create, save, publish, version, compare,
restore — as automation with a token would do it."""

import copy

import pytest

from deployments.models import Event
from tests.graphs import edge, node, web_app

pytestmark = pytest.mark.django_db(transaction=True)


def create_workflow(client, **extra):
    response = client.post("/v1/api/workflows", {"name": "shop", **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_save_publish_version_compare_restore(as_alice):
    workflow = create_workflow(as_alice, description="the shop")
    wid = workflow["id"]
    assert workflow["status"] == "draft"
    assert workflow["cluster"] is not None, "every team can run on the sandbox cluster"

    nodes, edges = web_app(replicas=2)
    saved = as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": nodes, "edges": edges}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["nodes"] == nodes

    published = as_alice.post(f"/v1/api/workflows/{wid}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"

    v1 = as_alice.post(
        f"/v1/api/workflows/{wid}/versions", {"name": "first", "tag": "v1"}, format="json"
    )
    assert v1.status_code == 201
    assert (v1.json()["number"], v1.json()["source"]) == (1, "manual")

    changed = copy.deepcopy(nodes)
    changed[0]["data"]["replicas"] = 5
    changed[0]["position"] = {"x": 999, "y": 999}  # moving a node is not a change
    changed = [n for n in changed if n["id"] != "web-config"]
    changed.append(node("cache", "deployment", name="cache", image="redis:7", port=6379))
    changed_edges = [edge("web-svc", "web")]
    saved = as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": changed, "edges": changed_edges}, format="json"
    )
    assert saved.status_code == 200
    assert saved.json()["status"] == "draft", "editing a published workflow returns it to draft"

    v2 = as_alice.post(f"/v1/api/workflows/{wid}/versions", {"name": "second"}, format="json")
    assert v2.json()["number"] == 2

    diff = as_alice.get(f"/v1/api/workflows/{wid}/versions/compare?from=1&to=2").json()
    assert [n["id"] for n in diff["nodes"]["added"]] == ["cache"]
    assert [n["id"] for n in diff["nodes"]["removed"]] == ["web-config"]
    assert diff["nodes"]["modified"] == [
        {"id": "web", "changes": [{"path": "data.replicas", "old": 2, "new": 5}]}
    ]
    assert [e["id"] for e in diff["edges"]["removed"]] == ["web-config->web"]
    assert diff["edges"]["added"] == [] and diff["edges"]["modified"] == []

    restored = as_alice.post(f"/v1/api/workflows/{wid}/versions/1/restore")
    assert restored.status_code == 201
    assert restored.json()["number"] == 3
    assert restored.json()["source"] == "restore"
    assert restored.json()["restored_from"] == 1
    current = as_alice.get(f"/v1/api/workflows/{wid}").json()
    assert current["nodes"] == nodes and current["edges"] == edges
    assert current["current_version"] == 3

    listing = as_alice.get(f"/v1/api/workflows/{wid}/versions").json()
    assert [v["number"] for v in listing["results"]] == [3, 2, 1]
    detail = as_alice.get(f"/v1/api/workflows/{wid}/versions/2").json()
    assert detail["nodes"] == changed

    statuses = list(
        Event.objects.filter(type="workflow.status_changed", topic=f"workflow:{wid}")
        .order_by("id")
        .values_list("payload__status", flat=True)
    )
    assert statuses == ["published", "draft"]


def test_compare_unknown_version_is_404_and_bad_params_400(as_alice):
    wid = create_workflow(as_alice)["id"]
    as_alice.post(f"/v1/api/workflows/{wid}/versions", {}, format="json")
    assert as_alice.get(f"/v1/api/workflows/{wid}/versions/compare?from=1&to=9").status_code == 404
    bad = as_alice.get(f"/v1/api/workflows/{wid}/versions/compare?from=x&to=1")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "from"


def test_clone_copies_graph_as_new_draft(as_alice):
    nodes, edges = web_app()
    wid = create_workflow(as_alice, nodes=nodes, edges=edges)["id"]
    as_alice.post(f"/v1/api/workflows/{wid}/publish")
    clone = as_alice.post(f"/v1/api/workflows/{wid}/clone", {}, format="json")
    assert clone.status_code == 201
    body = clone.json()
    assert body["id"] != wid and body["name"] == "shop (copy)"
    assert body["status"] == "draft" and body["nodes"] == nodes and body["current_version"] == 0


def test_versions_are_immutable(as_alice):
    from workflows.models import WorkflowVersion
    from workflows.models.versions import ImmutableVersionError

    wid = create_workflow(as_alice)["id"]
    as_alice.post(f"/v1/api/workflows/{wid}/versions", {}, format="json")
    version = WorkflowVersion.objects.get(workflow_id=wid, number=1)
    version.name = "rewritten"
    with pytest.raises(ImmutableVersionError):
        version.save()


def test_workflow_list_is_light_and_filterable(as_alice):
    nodes, edges = web_app()
    first = create_workflow(as_alice, nodes=nodes, edges=edges)
    create_workflow(as_alice)
    as_alice.post(f"/v1/api/workflows/{first['id']}/publish")
    listing = as_alice.get("/v1/api/workflows?status=published").json()
    assert [w["id"] for w in listing["results"]] == [first["id"]]
    assert "nodes" not in listing["results"][0]
    assert listing["results"][0]["node_count"] == 3


def test_workflow_list_shows_the_last_run_in_a_constant_number_of_queries(
        as_alice, alice):
    from deployments.models import Run
    from workflows.models import Workflow, WorkflowVersion

    def listing_with(count: int) -> tuple[list, int]:
        for n in range(count - Workflow.objects.count()):
            wid = create_workflow(as_alice, name=f"w{count}-{n}")["id"]
            version = WorkflowVersion.objects.create(
                workflow_id=wid, number=1, name="v", nodes=[], edges=[], created_by=alice)
            Run.objects.create(workflow_id=wid, version=version)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            results = as_alice.get("/v1/api/workflows").json()["results"]
        return results, len(queries)

    _, few_queries = listing_with(2)
    many, many_queries = listing_with(12)
    assert all(w["last_run"]["status"] == "queued" for w in many)
    assert many_queries == few_queries, "one query per page, not one per workflow"
