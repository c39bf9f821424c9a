"""A health check reads a run's objects with a few lists; it must see exactly what reading them
one by one sees, for every kind."""

import copy
from collections import defaultdict

import pytest

from deployments.clusters import client_for
from deployments.engine.observe import observe_nodes
from deployments.engine.snapshot import observe_nodes_listed
from deployments.models import Run
from tests.runs.graphs import all_kinds
from tests.runs.test_run_engine import create, start
from workflows.manifests import RenderedObject, render_manifests

pytestmark = pytest.mark.django_db(transaction=True)


def objects_of(run: Run) -> dict:
    by_node: dict = defaultdict(list)
    for obj in render_manifests(
        run.version.nodes,
        run.version.edges,
        workflow_id=run.workflow.pk,
        namespace=run.workflow.namespace,
    ):
        by_node[obj.node_id].append(obj)
    return by_node


def test_listed_observation_equals_reading_object_by_object(as_alice, engine, wait_for_run):
    nodes, edges = all_kinds()
    workflow = create(as_alice, nodes, edges)
    run_id = start(as_alice, workflow["id"], {"secrets": {"creds": {"DB_PASSWORD": "pw"}}})
    assert wait_for_run(run_id)["status"] == "completed"
    run = Run.objects.select_related("workflow__cluster", "version").get(pk=run_id)
    client = client_for(run.workflow.cluster)
    by_node = objects_of(run)
    # Missing objects too: one deleted by hand, one never created.
    client.delete("v1", "ConfigMap", "app-config", run.workflow.namespace)
    [web] = [obj for obj in by_node["web"] if obj.k8s_kind == "Deployment"]
    ghost = copy.deepcopy(web.manifest)
    ghost["metadata"]["name"] = "ghost"
    by_node["ghost"] = [RenderedObject("ghost", "deployment", ghost)]
    for _ in range(3):  # controllers may move between the two reads: retry a few times
        one_by_one = observe_nodes(client, by_node)
        listed = observe_nodes_listed(client, by_node)
        if listed == one_by_one:
            break
    assert listed == one_by_one
    assert listed["cfg"].status == "missing" and listed["ghost"].status == "missing"
    assert listed["web"].status == "healthy" and listed["web"].details["ready_replicas"] == 2
