"""Events about runs and node health, published on the workflow's topic."""

from typing import Any

from deployments.events import emit
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


def node_status_changed(
    run: Run, node_id: str, health: str, message: str, details: dict[str, Any]
) -> None:
    _emit(
        run,
        "node.status_changed",
        {"node_id": node_id, "health": health, "message": message, "details": details},
    )


def run_log(run: Run, seq: int, ts: str, level: str, node_id: str, message: str) -> None:
    _emit(
        run,
        "run.log",
        {"seq": seq, "ts": ts, "level": level, "node_id": node_id, "message": message},
    )
