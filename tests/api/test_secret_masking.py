"""Secret values typed on the canvas never come back in plain text, and a save that sends the
masks back keeps them."""

import copy

import pytest

from tests.graphs import edge, node
from workflows.models import Workflow

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-correct-horse"


def graph(password: str = PASSWORD) -> tuple[list, list]:
    nodes = [node("db", "deployment", name="db", image="postgres:16", port=5432),
             node("creds", "secret", name="db-creds", data={"PASSWORD": password})]
    return nodes, [edge("creds", "db")]


def test_secret_values_are_masked_everywhere_and_kept_on_save(as_alice):
    nodes, edges = graph()
    created = as_alice.post("/v1/api/workflows", {"name": "db", "nodes": nodes, "edges": edges},
                            format="json")
    assert created.status_code == 201
    wid = created.json()["id"]
    for response in (created, as_alice.get(f"/v1/api/workflows/{wid}")):
        assert PASSWORD not in response.content.decode()
    masked = as_alice.get(f"/v1/api/workflows/{wid}").json()["nodes"]
    assert masked[1]["data"]["data"]["PASSWORD"].startswith("********:")

    # The canvas saves what it was given (masks included) plus an edit elsewhere.
    masked[0]["data"]["replicas"] = 2
    saved = as_alice.post(f"/v1/api/workflows/{wid}/save", {"nodes": masked, "edges": edges},
                          format="json")
    assert saved.status_code == 200, saved.json()
    stored = Workflow.objects.get(pk=wid).nodes
    assert stored[1]["data"]["data"]["PASSWORD"] == PASSWORD
    assert stored[0]["data"]["replicas"] == 2

    as_alice.post(f"/v1/api/workflows/{wid}/versions", {}, format="json")
    changed = copy.deepcopy(masked)
    changed[1]["data"]["data"]["PASSWORD"] = "a-new-password"
    as_alice.post(f"/v1/api/workflows/{wid}/save", {"nodes": changed, "edges": edges},
                  format="json")
    as_alice.post(f"/v1/api/workflows/{wid}/versions", {}, format="json")
    version = as_alice.get(f"/v1/api/workflows/{wid}/versions/1")
    assert PASSWORD not in version.content.decode()
    diff = as_alice.get(f"/v1/api/workflows/{wid}/versions/compare?from=1&to=2")
    text = diff.content.decode()
    assert PASSWORD not in text and "a-new-password" not in text
    [modified] = diff.json()["nodes"]["modified"]
    [change] = modified["changes"]
    assert change["path"] == "data.data.PASSWORD" and change["old"] != change["new"]


def test_an_unknown_mask_is_refused_naming_the_field(as_alice):
    nodes, edges = graph(password="********:0123abcd")
    response = as_alice.post("/v1/api/workflows", {"name": "db", "nodes": nodes, "edges": edges},
                             format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "nodes[1].data.data.PASSWORD"
    assert not Workflow.objects.filter(name="db").exists()
