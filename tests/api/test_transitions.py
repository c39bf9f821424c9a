"""Every illegal workflow transition is refused with 409 and the error shape, changing nothing."""

import pytest

from tests.graphs import web_app
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow_in(as_alice):
    def make(status: str) -> int:
        nodes, edges = web_app()
        wid = as_alice.post(
            "/v1/api/workflows", {"name": "w", "nodes": nodes, "edges": edges}, format="json"
        ).json()["id"]
        if status in ("published", "archived"):
            assert as_alice.post(f"/v1/api/workflows/{wid}/publish").status_code == 200
        if status == "archived":
            assert as_alice.post(f"/v1/api/workflows/{wid}/archive").status_code == 200
        return wid

    return make


ILLEGAL = [
    ("draft", "post", "draft", None),
    ("published", "post", "publish", None),
    ("archived", "post", "publish", None),
    ("archived", "post", "archive", None),
    ("published", "delete", "", None),
    ("archived", "post", "save", {"nodes": [], "edges": []}),
    ("archived", "patch", "", {"name": "renamed"}),
    ("archived", "post", "versions", {"name": "snap"}),
]


@pytest.mark.parametrize(
    ("status", "method", "suffix", "body"),
    ILLEGAL,
    ids=[f"{s}-{m}-{x or 'self'}" for s, m, x, _ in ILLEGAL],
)
def test_illegal_transition_is_409(as_alice, workflow_in, status, method, suffix, body):
    wid = workflow_in(status)
    before = Workflow.objects.get(pk=wid)
    url = f"/v1/api/workflows/{wid}/{suffix}" if suffix else f"/v1/api/workflows/{wid}"
    response = getattr(as_alice, method)(url, body, format="json")
    assert response.status_code == 409, response.json()
    error = response.json()
    assert error["code"] in {"illegal_transition", "workflow_archived"}
    assert status in error["message"]
    after = Workflow.objects.get(pk=wid)
    assert (after.status, after.name, after.nodes, after.current_version) == (
        before.status,
        before.name,
        before.nodes,
        before.current_version,
    )


def test_restore_on_archived_is_409(as_alice, workflow_in):
    wid = workflow_in("draft")
    as_alice.post(f"/v1/api/workflows/{wid}/versions", {}, format="json")
    as_alice.post(f"/v1/api/workflows/{wid}/archive")
    response = as_alice.post(f"/v1/api/workflows/{wid}/versions/1/restore")
    assert response.status_code == 409
    assert Workflow.objects.get(pk=wid).current_version == 1


LEGAL = [
    ("draft", "publish", "published"),
    ("draft", "archive", "archived"),
    ("published", "archive", "archived"),
    ("published", "draft", "draft"),
    ("archived", "draft", "draft"),
]


@pytest.mark.parametrize(("status", "action", "expected"), LEGAL)
def test_legal_transitions(as_alice, workflow_in, status, action, expected):
    wid = workflow_in(status)
    response = as_alice.post(f"/v1/api/workflows/{wid}/{action}")
    assert response.status_code == 200
    assert response.json()["status"] == expected


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_delete_allowed_when_draft_or_archived(as_alice, workflow_in, status):
    wid = workflow_in(status)
    assert as_alice.delete(f"/v1/api/workflows/{wid}").status_code == 204
    assert not Workflow.objects.filter(pk=wid).exists()


def test_status_cannot_be_written_directly(as_alice, workflow_in):
    wid = workflow_in("draft")
    response = as_alice.patch(f"/v1/api/workflows/{wid}", {"status": "published"}, format="json")
    assert response.status_code == 200
    assert Workflow.objects.get(pk=wid).status == "draft"


def test_patch_cannot_touch_graph_or_team(as_alice, workflow_in, alice):
    from workflows.actions.teams import create_team

    wid = workflow_in("draft")
    other = create_team(alice, "elsewhere")
    before = Workflow.objects.get(pk=wid)
    response = as_alice.patch(
        f"/v1/api/workflows/{wid}", {"nodes": None, "edges": [], "team": other.pk}, format="json"
    )
    assert response.status_code == 200
    after = Workflow.objects.get(pk=wid)
    assert (after.nodes, after.edges, after.team_id) == (before.nodes, before.edges, before.team_id)
