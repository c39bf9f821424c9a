"""What to watch, read from the database: workflows whose latest run finished (completed or
failed) and that are not archived, each with the objects its latest run's version renders."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery

from deployments.models import Run, RunStatus
from workflows.kinds.meta import NODE_LABEL, WORKFLOW_LABEL, sanitize_label_value
from workflows.manifests import InvalidGraphError, RenderedObject, render_manifests
from workflows.models import Workflow
from workflows.models.workflow import WorkflowStatus

log = logging.getLogger(__name__)

# While a run is queued or running the engine owns the node states; cancelled runs stopped
# half-way, so their states say nothing worth keeping live.
WATCHED_RUN_STATUSES = (RunStatus.COMPLETED, RunStatus.FAILED)

ObjectKey = tuple[str, str, str]  # (Kubernetes kind, namespace, name)


@dataclass
class Target:
    """One watched workflow, as of its latest run."""

    workflow_id: int
    team_id: int
    cluster_id: int
    run_id: int
    objects: dict[str, list[RenderedObject]]  # by node id
    kinds: dict[str, str]  # node id -> node kind ("deployment")
    by_object: dict[ObjectKey, str] = field(default_factory=dict)
    by_node_label: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node_id, objs in self.objects.items():
            self.by_node_label[sanitize_label_value(node_id)] = node_id
            for obj in objs:
                self.by_object[(obj.k8s_kind, obj.namespace, obj.name)] = node_id

    @property
    def workflow_label(self) -> str:
        return sanitize_label_value(str(self.workflow_id))

    @property
    def namespaces(self) -> set[str]:
        return {ns for _, ns, _ in self.by_object}

    def node_for(self, kind: str, namespace: str, name: str, labels: dict[str, str]) -> str | None:
        """The node an object belongs to: by what the version renders, else by its labels
        (pods, a CronJob's Jobs), which only count when they name this workflow."""
        node_id = self.by_object.get((kind, namespace, name))
        if node_id is not None:
            return node_id
        if labels.get(WORKFLOW_LABEL) != self.workflow_label:
            return None
        return self.by_node_label.get(labels.get(NODE_LABEL, ""))

    def nodes_of_kind(self, k8s_kind: str, namespace: str) -> list[str]:
        wanted = (k8s_kind, namespace)
        return sorted({n for (k, ns, _), n in self.by_object.items() if (k, ns) == wanted})


def watched_rows() -> list[dict[str, Any]]:
    """(workflow, team, cluster, latest run) of every workflow to watch; one query."""
    latest = Run.objects.filter(workflow=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (
        Workflow.objects.exclude(status=WorkflowStatus.ARCHIVED)
        .filter(cluster__isnull=False)
        .annotate(
            latest_run=Subquery(latest.values("pk")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
        )
        .filter(latest_status__in=WATCHED_RUN_STATUSES)
        .values("pk", "team_id", "cluster_id", "latest_run")
    )
    return [dict(row) for row in rows]


def load_targets(known: dict[int, Target]) -> dict[int, Target]:
    """The targets the database asks for; unchanged ones (same run) are reused, not re-rendered."""
    targets: dict[int, Target] = {}
    for row in watched_rows():
        old = known.get(row["pk"])
        if old is not None and old.run_id == row["latest_run"]:
            targets[row["pk"]] = old
            continue
        target = build_target(row["latest_run"])
        if target is not None:
            targets[row["pk"]] = target
    return targets


def build_target(run_id: int) -> Target | None:
    run = Run.objects.select_related("workflow", "version").filter(pk=run_id).first()
    if run is None or run.workflow.cluster_id is None:
        return None
    workflow, cluster_id = run.workflow, run.workflow.cluster_id
    try:
        # The same rendering the engine applied (run-only secret values are not needed to
        # know which objects exist).
        rendered = render_manifests(
            run.version.nodes,
            run.version.edges,
            workflow_id=workflow.pk,
            namespace=workflow.namespace,
        )
    except InvalidGraphError:
        log.info("watchers: version of run %s does not render; not watching it", run_id)
        return None
    objects: dict[str, list[RenderedObject]] = defaultdict(list)
    for obj in rendered:
        objects[obj.node_id].append(obj)
    kinds = {n["id"]: n.get("type", "") for n in run.version.nodes if n.get("id") in objects}
    return Target(
        workflow_id=workflow.pk,
        team_id=workflow.team_id,
        cluster_id=cluster_id,
        run_id=run.pk,
        objects=dict(objects),
        kinds=kinds,
    )
