"""Workflow mutations. Each locks the workflow row, so saves, versions and transitions serialize."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django_fsm import can_proceed

from kubeorch.errors import Conflict, InvalidInput
from kubeorch.errors import FieldError as E
from workflows.graph import validate_graph
from workflows.models import Workflow, WorkflowStatus
from workflows.permissions import WRITE, require
from workflows.secret_masking import unmask_nodes
from workflows.workflow_events import emit_status_changed


def lock(workflow: Workflow) -> Workflow:
    """Re-read the workflow under a row lock (the caller is inside a transaction)."""
    return Workflow.objects.select_for_update().get(pk=workflow.pk)


def check_graph(nodes: Any, edges: Any, namespace: str, stored_nodes: Any = None) -> None:
    """Validate a graph a client sent, first putting back secret values it sent masked."""
    unmasked = unmask_nodes(nodes, stored_nodes)
    if unmasked:
        raise InvalidInput("masked secret values cannot be saved", unmasked)
    errors = validate_graph(
        nodes,
        edges,
        default_namespace=namespace,
        max_nodes=settings.KUBEORCH_MAX_NODES,
        max_edges=settings.KUBEORCH_MAX_EDGES,
    )
    if errors:
        raise InvalidInput(
            f"the graph has {len(errors)} error(s); nothing was saved",
            [E(e.path, e.message) for e in errors],
        )


def refuse_if_archived(workflow: Workflow, doing: str) -> None:
    if workflow.status == WorkflowStatus.ARCHIVED:
        raise Conflict(
            f"workflow {workflow.name!r} is archived and read-only: cannot {doing}; "
            "move it back to draft first",
            code="workflow_archived",
        )


@transaction.atomic
def create_workflow(
    actor: Any, *, team: Any, nodes: Any = None, edges: Any = None, **fields: Any
) -> Workflow:
    require(actor, team.id, WRITE, "workflows")
    nodes, edges = nodes or [], edges or []
    check_graph(nodes, edges, fields.get("namespace") or "default")
    workflow = Workflow.objects.create(
        team=team, nodes=nodes, edges=edges, created_by=actor, **fields
    )
    if workflow.schedule:
        from deployments.triggers import sync_schedule

        sync_schedule(workflow)
    return workflow


@transaction.atomic
def update_workflow(actor: Any, workflow: Workflow, **fields: Any) -> Workflow:
    require(actor, workflow.team_id, WRITE, "this workflow")
    workflow = lock(workflow)
    refuse_if_archived(workflow, "change its settings")
    for key, value in fields.items():
        setattr(workflow, key, value)
    workflow.save()
    if "schedule" in fields:
        from deployments.triggers import sync_schedule

        sync_schedule(workflow)
    return workflow


@transaction.atomic
def save_graph(actor: Any, workflow: Workflow, nodes: Any, edges: Any) -> Workflow:
    """Store the canvas. Editing a published workflow returns it to draft, as an Edit does."""
    require(actor, workflow.team_id, WRITE, "this workflow")
    workflow = lock(workflow)
    refuse_if_archived(workflow, "save its graph")
    check_graph(nodes, edges, workflow.namespace, stored_nodes=workflow.nodes)
    if nodes == workflow.nodes and edges == workflow.edges:
        return workflow
    old_status = workflow.status
    if old_status == WorkflowStatus.PUBLISHED:
        workflow.to_draft()
    workflow.nodes, workflow.edges = nodes, edges
    workflow.save()
    if workflow.status != old_status:
        emit_status_changed(workflow, old_status)
    return workflow


_VERBS = {"publish": "publish", "archive": "archive", "to_draft": "move to draft"}


def transition(
    actor: Any, workflow: Workflow, name: str, after: Callable[[Workflow], None] | None = None
) -> Workflow:
    """Run a status transition; an illegal one is a Conflict naming both states."""
    require(actor, workflow.team_id, WRITE, "this workflow")
    return transition_as_operator(workflow, name, after)


def transition_as_operator(
    workflow: Workflow, name: str, after: Callable[[Workflow], None] | None = None
) -> Workflow:
    """The transition itself, for callers already authorized (API after `require`, admin)."""
    with transaction.atomic():
        workflow = lock(workflow)
        method = getattr(workflow, name)
        if not can_proceed(method):
            raise Conflict(
                f"cannot {_VERBS[name]} workflow {workflow.name!r}: it is {workflow.status}",
                code="illegal_transition",
                extra={"status": workflow.status},
            )
        old_status = workflow.status
        method()
        workflow.save()
        emit_status_changed(workflow, old_status)
        if after:
            after(workflow)
    return workflow


def publish(actor: Any, workflow: Workflow) -> Workflow:
    return transition(actor, workflow, "publish")


def archive(actor: Any, workflow: Workflow) -> Workflow:
    """Archive and tear down what the workflow created (after commit, in a worker)."""
    from deployments.actions.runs import refuse_if_active

    require(actor, workflow.team_id, WRITE, "this workflow")  # permission before state
    refuse_if_active(workflow)
    return transition(actor, workflow, "archive", after=_after_archive)


def _after_archive(workflow: Workflow) -> None:
    from deployments.tasks import teardown_workflow
    from deployments.triggers import sync_schedule

    sync_schedule(workflow)  # an archived workflow's schedule is paused
    transaction.on_commit(lambda: teardown_workflow.delay(workflow.pk))


def to_draft(actor: Any, workflow: Workflow) -> Workflow:
    from deployments.triggers import sync_schedule

    return transition(actor, workflow, "to_draft", after=sync_schedule)


@transaction.atomic
def delete_workflow(actor: Any, workflow: Workflow) -> None:
    require(actor, workflow.team_id, WRITE, "this workflow")
    workflow = lock(workflow)
    if workflow.status == WorkflowStatus.PUBLISHED:
        raise Conflict(
            f"workflow {workflow.name!r} is published: archive it or move it to draft "
            "before deleting",
            code="illegal_transition",
            extra={"status": workflow.status},
        )
    workflow.delete()


@transaction.atomic
def clone_workflow(actor: Any, workflow: Workflow, name: str | None = None) -> Workflow:
    require(actor, workflow.team_id, WRITE, "this workflow")
    return Workflow.objects.create(
        team_id=workflow.team_id,
        cluster_id=workflow.cluster_id,
        namespace=workflow.namespace,
        name=name or f"{workflow.name} (copy)",
        description=workflow.description,
        nodes=workflow.nodes,
        edges=workflow.edges,
        created_by=actor,
    )
