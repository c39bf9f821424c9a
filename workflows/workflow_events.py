"""Events about workflows (published on the workflow's topic)."""

from workflows.models import Workflow


def workflow_topic(workflow_id: int) -> str:
    return f"workflow:{workflow_id}"


def emit_status_changed(workflow: Workflow, old_status: str) -> None:
    from deployments.events import emit

    emit(
        workflow.team_id,
        workflow_topic(workflow.pk),
        "workflow.status_changed",
        {"workflow_id": workflow.pk, "status": workflow.status, "previous": old_status},
    )
