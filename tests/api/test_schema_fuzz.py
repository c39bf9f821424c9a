"""schemathesis drives every operation of the OpenAPI schema: no input may cause a 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.graphs import web_app
from workflows.actions import versions, workflows

# Endless event streams are exercised by tests/events over ASGI, not through WSGI here.
schema = schemathesis.openapi.from_wsgi("/v1/api/schema/", get_wsgi_application()).exclude(
    path_regex=r"/events$"
)

# Path parameters get ids of real objects, so operations reach their logic instead of a 404.
REAL_IDS = {
    "/v1/api/workflows": "workflow",
    "/v1/api/clusters": "cluster",
    "/v1/api/teams": "team",
    "/v1/api/runs": "run",
}


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes connections after each request; inside a test transaction that
    would lose the test's data, so detach it as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(alice, keep_test_connection, on_sandbox):
    from deployments.models import Run

    team = alice.teams.get()
    nodes, edges = web_app()
    workflow = workflows.create_workflow(alice, team=team, name="shop", nodes=nodes, edges=edges)
    version = versions.create_version(alice, workflow)
    run = Run.objects.create(workflow=workflow, version=version)
    token, _ = Token.objects.get_or_create(user=alice)
    return {
        "workflow": workflow.pk,
        "cluster": team.clusters.get().pk,
        "team": team.pk,
        "run": run.pk,
        "number": 1,
        "token": token.key,
    }


def use_real_ids(case, world) -> None:
    params = case.path_parameters or {}
    for prefix, kind in REAL_IDS.items():
        if case.operation.path.startswith(prefix):
            if "id" in params:
                params["id"] = world[kind]
            if "workflow_pk" in params:
                params["workflow_pk"] = world["workflow"]
    if "number" in params:
        params["number"] = world["number"]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, world):
    use_real_ids(case, world)
    response = case.call(headers={"Authorization": f"Token {world['token']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
