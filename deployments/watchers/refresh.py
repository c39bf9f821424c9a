"""Recompute some nodes of a watched workflow and record what changed on its latest run."""

from __future__ import annotations

from deployments.cluster import ClusterClient
from deployments.engine.observe import observe_nodes
from deployments.engine.recorder import RunRecorder
from deployments.models import Run
from deployments.watchers.targets import WATCHED_RUN_STATUSES, Target
from workflows.models.workflow import WorkflowStatus


def latest_run_is(target: Target) -> Run | None:
    """The target's run if it is still the workflow's latest and finished and the workflow is
    not archived, else None: once a new run is queued the engine owns the node states and the
    watchers keep out (checked here, at write time, not only at the last sync)."""
    latest = (
        Run.objects.filter(workflow_id=target.workflow_id)
        .select_related("workflow", "version")
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.pk != target.run_id:
        return None
    if latest.workflow.status == WorkflowStatus.ARCHIVED:
        return None  # its teardown deletes everything: no "missing" storm on the last run
    return latest if latest.status in WATCHED_RUN_STATUSES else None


def refresh_nodes(client: ClusterClient, target: Target, node_ids: list[str]) -> list[str]:
    """Observe the nodes exactly like the engine does and record them on the run (the
    recorder writes and announces only changes). Returns the node ids that changed."""
    run = latest_run_is(target)
    if run is None:
        return []
    objects = {n: target.objects[n] for n in node_ids if n in target.objects}
    if not objects:
        return []
    healths = observe_nodes(client, objects, concurrency=4)
    recorder = RunRecorder(run)
    return [
        node_id
        for node_id, health in sorted(healths.items())
        if recorder.node(
            node_id, target.kinds.get(node_id, ""), health.status, health.message, health.details
        )
    ]
