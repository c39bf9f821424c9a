"""Operators use Django admin: every model is there, transitions are actions, runs read-only."""

import pytest
from django.urls import reverse

from deployments.models import Run
from tests.graphs import web_app
from workflows.actions import versions, workflows
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_superuser("ops", "ops@example.com", "pw")
    client.force_login(user)
    return user


@pytest.fixture
def workflow(alice):
    nodes, edges = web_app()
    team = alice.teams.get()
    return workflows.create_workflow(alice, team=team, name="shop", nodes=nodes, edges=edges)


ADMIN_PAGES = [
    "workflows_team",
    "workflows_membership",
    "workflows_cluster",
    "workflows_workflow",
    "workflows_workflowversion",
    "deployments_run",
    "deployments_nodestate",
    "deployments_runlog",
    "deployments_event",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_every_model_has_a_searchable_changelist(client, operator, workflow, page):
    response = client.get(reverse(f"admin:{page}_changelist"), {"q": "shop"})
    assert response.status_code == 200


def test_transitions_are_admin_actions(client, operator, workflow):
    url = reverse("admin:workflows_workflow_changelist")
    client.post(url, {"action": "transition_publish", "_selected_action": [workflow.pk]})
    assert Workflow.objects.get(pk=workflow.pk).status == "published"
    response = client.post(
        url, {"action": "transition_publish", "_selected_action": [workflow.pk]}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "cannot publish workflow 'shop': it is published" in shown
    assert Workflow.objects.get(pk=workflow.pk).status == "published"


def test_runs_are_read_only(client, operator, workflow, alice):
    run = Run.objects.create(workflow=workflow, version=versions.create_version(alice, workflow))
    assert client.get(reverse("admin:deployments_run_add")).status_code == 403
    page = client.get(reverse("admin:deployments_run_change", args=[run.pk]))
    assert page.status_code == 200
    assert b'name="status"' not in page.content


def test_cluster_credentials_never_shown(client, operator, alice):
    from workflows.actions.clusters import create_cluster

    cluster = create_cluster(
        alice,
        team=alice.teams.get(),
        name="prod",
        connection_kind="token",
        credentials={"server": "https://k", "token": "tok-abcdef-123"},
    )
    page = client.get(reverse("admin:workflows_cluster_change", args=[cluster.pk]))
    assert page.status_code == 200 and b"tok-abcdef-123" not in page.content
