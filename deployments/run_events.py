"""Events about runs and node health, published on the workflow's topic."""

from typing import Any

from deployments.events import emit, emit_many
from deployments.models import Run
from workflows.workflow_events import workflow_topic


def _emit(run: Run, type: str, payload: dict[str, Any]) -> None:
    team_id = run.workflow.team_id
    emit(team_id, workflow_topic(run.workflow_id), type, {"run_id": run.pk, **payload})


def run_status_changed(run: Run) -> None:
    payload: dict[str, Any] = {
        "status": run.status,
        "version": run.version.number,
        "workflow_id": run.workflow_id,
    }
    if run.error:
        payload["error"] = run.error
    if run.duration_ms is not None:
        payload["duration_ms"] = run.duration_ms
    _emit(run, "run.status_changed", payload)


def emit_recorded(run: Run, events: list[tuple[str, dict[str, Any]]]) -> None:
    """`run.log` and `node.status_changed` events (type, payload) the recorder wrote together,
    in their order."""
    topic = workflow_topic(run.workflow_id)
    emit_many(run.workflow.team_id,
              [(topic, type, {"run_id": run.pk, **payload}) for type, payload in events])
