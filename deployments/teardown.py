"""Archiving a workflow removes everything it created in its cluster (every kind KubeOrch
renders, HPAs, NetworkPolicies and Secrets included), found by KubeOrch's labels."""

import logging

from deployments.cluster import ClusterError
from deployments.clusters import client_for
from deployments.engine.prune import prune
from deployments.events import emit
from workflows.models import Workflow
from workflows.workflow_events import workflow_topic

log = logging.getLogger(__name__)


def namespaces_of(workflow: Workflow) -> set[str]:
    """Every namespace any version of the workflow deployed to."""
    found = {workflow.namespace}
    for nodes in workflow.versions.values_list("nodes", flat=True):
        for node in nodes or []:
            namespace = (
                (node.get("data") or {}).get("namespace") if isinstance(node, dict) else None
            )
            if namespace:
                found.add(namespace)
    return found


def teardown(workflow_id: int) -> None:
    workflow = Workflow.objects.select_related("cluster").filter(pk=workflow_id).first()
    if workflow is None or workflow.cluster is None:
        return
    topic = workflow_topic(workflow.pk)
    try:
        deleted = prune(
            client_for(workflow.cluster), workflow.pk, namespaces_of(workflow), keep=set()
        )
    except ClusterError as exc:
        log.warning("teardown of workflow %s failed: %s", workflow.pk, exc.message)
        emit(
            workflow.team_id,
            topic,
            "workflow.teardown_failed",
            {"workflow_id": workflow.pk, "error": exc.message, "retryable": exc.retryable},
        )
        if exc.retryable:
            raise
        return
    emit(
        workflow.team_id,
        topic,
        "workflow.torn_down",
        {
            "workflow_id": workflow.pk,
            "deleted": [{"kind": k, "namespace": ns, "name": n} for k, ns, n in deleted],
        },
    )
