"""Run a node's checks against the saved graph and its cluster; apply one of their fixes."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from deployments.cluster import ClusterClient, ClusterError

# Importing the check families registers them (registry.FAMILIES orders them).
from deployments.diagnostics import (  # noqa: F401
    autoscaling,
    configuration,
    crashes,
    images,
    ingress,
    netpol,
    presence,
    readiness,
    scheduling,
    services,
    storage,
)
from deployments.diagnostics.fixes import PatchError, apply_patch
from deployments.diagnostics.model import Check, Report, error
from deployments.diagnostics.registry import checks_for
from deployments.diagnostics.subject import Subject
from deployments.engine.observe import observe_object, worst
from deployments.previews import cluster_of, render_workflow
from kubeorch.errors import Conflict, NotFound
from workflows.actions.workflows import lock, save_graph
from workflows.graph import check_graph
from workflows.models import Workflow
from workflows.permissions import WRITE, require

log = logging.getLogger(__name__)


def _node_kind(workflow: Workflow, node_id: str) -> str:
    for node in workflow.nodes or []:
        if node.get("id") == node_id:
            return str(node.get("type"))
    raise NotFound(f"workflow {workflow.name!r} has no node {node_id!r}")


def _connect(workflow: Workflow) -> tuple[ClusterClient | None, Check | None]:
    try:
        client = cluster_of(workflow)
        client.info()  # one cheap round trip: unreachable shows once, not per check
    except ClusterError as exc:
        return None, error(
            "cluster.reachable", f"cannot reach the cluster: {exc.message}", retryable=exc.retryable
        )
    return client, None


def diagnose(workflow: Workflow, node_id: str) -> Report:
    kind = _node_kind(workflow, node_id)
    topology = check_graph(
        workflow.nodes, workflow.edges, default_namespace=workflow.namespace
    ).topology
    objects = [obj for obj in render_workflow(workflow) if obj.node_id == node_id]
    client, unreachable = _connect(workflow)
    subject = Subject(workflow, node_id, topology, objects, client)
    checks = [unreachable] if unreachable else []
    for registered in checks_for(kind):
        if registered.live and client is None:
            continue
        checks += _run(registered.fn, subject)
    return Report(node_id, kind, _health(subject), checks)


def _run(fn: Any, subject: Subject) -> list[Check]:
    try:
        result: list[Check] = fn(subject)
        return result
    except ClusterError as exc:
        # One unreadable object must not hide the other checks.
        return [
            error(
                f"cluster.read.{fn.__name__}",
                f"could not read the cluster: {exc.message}",
                retryable=exc.retryable,
            )
        ]


def _health(subject: Subject) -> dict[str, Any]:
    if subject.client is None:
        return {"status": "unknown", "message": "the cluster cannot be reached", "details": {}}
    if not subject.objects:
        return {"status": "unknown", "message": "renders no objects", "details": {}}
    client = subject.client
    return worst([observe_object(client, obj) for obj in subject.objects]).to_dict()


def apply_fix(actor: Any, workflow: Workflow, node_id: str, fix_id: str) -> tuple[Workflow, dict]:
    """Diagnose again (the fix must still be what the evidence supports), then patch the saved
    graph through save_graph: same validation, permission and events as a canvas save."""
    require(actor, workflow.team_id, WRITE, "this workflow")
    report = diagnose(workflow, node_id)
    found = report.fix(fix_id)
    if found is None:
        offered = sorted(c.fix.id for c in report.checks if c.fix is not None)
        raise Conflict(
            f"fix {fix_id!r} is not offered for node {node_id!r} now"
            + (f" (offered: {', '.join(offered)})" if offered else " (no fix is offered)")
            + ": diagnose again",
            code="fix_not_available",
            extra={"offered": offered},
        )
    check, fix = found
    with transaction.atomic():
        fresh = lock(workflow)
        try:
            nodes, edges = apply_patch(fresh.nodes, fresh.edges, fix.patch)
        except PatchError as exc:
            raise Conflict(f"the fix no longer applies: {exc}", code="stale_fix") from exc
        saved = save_graph(actor, fresh, nodes, edges)
    log.info("diagnostics fix %s applied to workflow %s node %s", fix_id, workflow.pk, node_id)
    applied = {"node_id": node_id, "check_id": check.id, **fix.to_dict()}
    return saved, applied
