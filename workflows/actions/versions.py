"""Version snapshots and restore. Numbers are gap-free: taken under the workflow's row lock."""

from typing import Any

from django.db import transaction

from workflows.actions.workflows import lock, refuse_if_archived, save_graph
from workflows.models import VersionSource, Workflow, WorkflowVersion
from workflows.permissions import WRITE, require


def snapshot(workflow: Workflow, actor: Any, source: str, **fields: Any) -> WorkflowVersion:
    """Write the next version of the saved graph. The caller holds the workflow's row lock."""
    workflow.current_version += 1
    Workflow.objects.filter(pk=workflow.pk).update(current_version=workflow.current_version)
    return WorkflowVersion.objects.create(
        workflow=workflow,
        number=workflow.current_version,
        nodes=workflow.nodes,
        edges=workflow.edges,
        source=source,
        created_by=actor,
        **fields,
    )


@transaction.atomic
def create_version(
    actor: Any, workflow: Workflow, *, name: str = "", tag: str = "", description: str = ""
) -> WorkflowVersion:
    require(actor, workflow.team_id, WRITE, "this workflow")
    workflow = lock(workflow)
    refuse_if_archived(workflow, "snapshot a version")
    return snapshot(
        workflow, actor, VersionSource.MANUAL, name=name, tag=tag, description=description
    )


@transaction.atomic
def restore_version(actor: Any, workflow: Workflow, version: WorkflowVersion) -> WorkflowVersion:
    """Replace the saved graph with an older version's and record that as a new version."""
    workflow = save_graph(actor, workflow, version.nodes, version.edges)
    workflow = lock(workflow)
    refuse_if_archived(workflow, "restore a version")
    return snapshot(
        workflow,
        actor,
        VersionSource.RESTORE,
        restored_from=version.number,
        name=version.name,
        tag="",
        description=f"Restored from version {version.number}",
    )
