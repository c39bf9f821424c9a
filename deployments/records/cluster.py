"""What only the cluster can tell: reconcile settles an `unknown` attempt from what is running,
and teardown removes what a deployment put there. Both go through the adapter."""

import contextlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from deployments.cluster import ClusterClient
from deployments.clusters import client_for
from deployments.engine.observe import SETTLED, WORKLOAD_KINDS, observe_nodes, observe_object
from deployments.engine.prune import prune
from deployments.health import Health, HealthStatus
from deployments.models import Attempt, Deployment
from deployments.models.records import OPEN_ATTEMPT_STATUSES, AttemptStatus, DeploymentStatus
from deployments.records.authority import transition_attempt, transition_deployment
from deployments.records.targets import workflow_id_of
from kubeorch.errors import Conflict
from workflows.manifests import InvalidGraphError, RenderedObject, render_manifests
from workflows.models import Workflow
from workflows.permissions import WRITE, require

# Broken (when nothing else is still rolling out), as opposed to progressing or unreadable.
BROKEN = frozenset({HealthStatus.DEGRADED, HealthStatus.MISSING})


def latest_attempt(deployment: Deployment) -> Attempt | None:
    return deployment.attempts.order_by("-number").first()


# --- reconcile ---------------------------------------------------------------------------


def reconcile(actor: Any, deployment: Deployment) -> Deployment:
    """Settle the deployment's unknown attempt from the cluster: ready when every object is
    healthy; failed when one is missing, a workload is degraded, or anything is degraded with
    nothing still rolling out; left unknown (with the new evidence) while objects progress or
    cannot be read. A deployment with nothing unknown is a no-op.

    Only the attempt is settled: moving the deployment (activate, fail) stays the caller's call.
    """
    if actor is not None:
        require(actor, deployment.team_id, WRITE, "this deployment")
    attempt = latest_attempt(deployment)
    if attempt is None or attempt.status != AttemptStatus.UNKNOWN:
        return deployment
    healths, workloads = observe(deployment)
    verdict, evidence = judge(healths, workloads)
    if verdict is None:
        Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.UNKNOWN).update(
            evidence={**attempt.evidence, **evidence}
        )
    else:
        error = "" if verdict == AttemptStatus.READY else "reconcile: " + _worst_message(healths)
        # A late worker callback that settled it first wins: its word stands.
        with contextlib.suppress(Conflict):
            transition_attempt(
                deployment.pk, attempt.number, verdict, expected_from=AttemptStatus.UNKNOWN,
                error=error, evidence=evidence, settling=True,
            )
        _settle_target(deployment)
    return Deployment.objects.get(pk=deployment.pk)


def _settle_target(deployment: Deployment) -> None:
    """An artifact owns its records' outcome: its revision follows the settled attempt."""
    if deployment.target.startswith("artifact:"):
        from deployments.artifacts.cleanup import record_settled

        record_settled(Deployment.objects.get(pk=deployment.pk))


def observe(deployment: Deployment) -> tuple[dict[str, Health], set[str]]:
    """Health per node (workflow targets) or of the named Kubernetes Deployment (others), and
    which of those keys are workloads (their pods say why they cannot progress)."""
    client = client_for(deployment.cluster)
    workflow_id = workflow_id_of(deployment.target)
    if workflow_id is not None:
        by_node = _objects_by_node(deployment, workflow_id)
        workloads = {node for node, objs in by_node.items()
                     if any(o.k8s_kind in WORKLOAD_KINDS for o in objs)}
        return observe_nodes(client, by_node), workloads
    name = deployment.object_name or deployment.target.replace(":", "-")
    obj = RenderedObject(name, "deployment", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": deployment.namespace},
    })
    return {name: observe_object(client, obj)}, {name}


def _objects_by_node(deployment: Deployment, workflow_id: int) -> dict[str, list[RenderedObject]]:
    """The workflow's objects as the deployed version renders them (its saved graph when the
    record's version does not name a version of the workflow)."""
    workflow = Workflow.objects.filter(pk=workflow_id).first()
    if workflow is None:
        return {}
    graph = workflow.versions.filter(number=_int(deployment.version)).first() or workflow
    try:
        objects = render_manifests(graph.nodes, graph.edges, workflow_id=workflow_id,
                                   namespace=deployment.namespace)
    except InvalidGraphError:
        return {}
    by_node: dict[str, list[RenderedObject]] = {}
    for obj in objects:
        by_node.setdefault(obj.node_id, []).append(obj)
    return by_node


def _int(version: str | None) -> int:
    return int(version) if version and version.isdigit() and len(version) < 10 else -1


def judge(healths: dict[str, Health], workloads: set[str]) -> tuple[str | None, dict[str, Any]]:
    evidence = {
        "reconcile": {
            "observed_at": timezone.now().isoformat(),
            "objects": {key: {"health": str(h.status), "message": h.message}
                        for key, h in healths.items()},
        }
    }
    if not healths:
        # Nothing to look at (no workflow, nothing rendered): nothing can be running.
        return AttemptStatus.FAILED, evidence
    statuses = {h.status for h in healths.values()}
    if HealthStatus.MISSING in statuses:
        # Nobody will create it: the worker that would have is gone.
        return AttemptStatus.FAILED, evidence
    if any(healths[key].status == HealthStatus.DEGRADED for key in workloads):
        # A workload is degraded only when its pods say why it cannot progress (image pull,
        # crash loop, deadline): waiting will not fix it.
        return AttemptStatus.FAILED, evidence
    if statuses & {HealthStatus.PROGRESSING, HealthStatus.UNKNOWN}:
        # Still rolling out (a Service selects no ready pods yet and looks degraded meanwhile)
        # or unreadable: judging now would be a guess. Ask again later.
        return None, evidence
    if HealthStatus.DEGRADED in statuses:
        return AttemptStatus.FAILED, evidence
    return (AttemptStatus.READY if statuses <= SETTLED else None), evidence


def _worst_message(healths: dict[str, Health]) -> str:
    broken = [f"{key}: {h.message}" for key, h in healths.items() if h.status in BROKEN]
    return "; ".join(broken) or "nothing to observe"


# --- teardown ----------------------------------------------------------------------------


def teardown(actor: Any, deployment: Deployment, force: bool = False) -> Deployment:
    """Remove what the deployment put in the cluster and end it (in_progress -> cancelled,
    active -> succeeded); open attempts fail. Refused while an attempt is unknown, because a
    lost worker may still be applying, unless `force`."""
    if actor is not None:
        require(actor, deployment.team_id, WRITE, "this deployment")
    if deployment.status not in (DeploymentStatus.IN_PROGRESS, DeploymentStatus.ACTIVE):
        raise Conflict(
            f"deployment {deployment.pk} is {deployment.status}: nothing to tear down",
            code="illegal_transition",
            extra={"record": "deployment", "id": deployment.pk, "status": deployment.status},
        )
    unknown = deployment.attempts.filter(status=AttemptStatus.UNKNOWN).first()
    if unknown is not None and not force:
        raise Conflict(
            f"attempt {unknown.number} of deployment {deployment.pk} is unknown (its worker "
            "was lost and may still be applying): reconcile it first, or tear down with "
            "force=true",
            code="attempt_unknown",
            extra={"record": "attempt", "id": unknown.pk, "number": unknown.number},
        )
    deleted = _delete_objects(client_for(deployment.cluster), deployment)
    ended = _end(deployment, forced=unknown is not None, deleted=deleted)
    _settle_target(ended)
    return ended


def _delete_objects(client: ClusterClient, deployment: Deployment) -> list[str]:
    """Delete the target's objects, unless they belong to another, active deployment."""
    live_elsewhere = Deployment.objects.filter(
        target=deployment.target, cluster_id=deployment.cluster_id,
        status=DeploymentStatus.ACTIVE,
    ).exclude(pk=deployment.pk).exists()
    if live_elsewhere:
        return []  # an in-progress rollout over a live one: the objects are the live one's
    workflow_id = workflow_id_of(deployment.target)
    if workflow_id is not None:
        keys = prune(client, workflow_id, {deployment.namespace}, keep=set())
        return [f"{kind} {namespace}/{name}" for kind, namespace, name in keys]
    name = deployment.object_name or deployment.target.replace(":", "-")
    gone = client.delete("apps/v1", "Deployment", name, deployment.namespace)
    return [f"Deployment {deployment.namespace}/{name}"] if gone else []


def _end(deployment: Deployment, forced: bool, deleted: list[str]) -> Deployment:
    note = "torn down" + (" (forced while unknown)" if forced else "")
    evidence = {"teardown": {"forced": forced, "deleted": deleted,
                             "at": timezone.now().isoformat()}}
    with transaction.atomic():
        for attempt in deployment.attempts.filter(status__in=OPEN_ATTEMPT_STATUSES):
            transition_attempt(deployment.pk, attempt.number, AttemptStatus.FAILED,
                               error=note, evidence=evidence, settling=True)
        current = Deployment.objects.get(pk=deployment.pk)
        to = (DeploymentStatus.SUCCEEDED if current.status == DeploymentStatus.ACTIVE
              else DeploymentStatus.CANCELLED)
        error = note if to == DeploymentStatus.CANCELLED else ""
        transition_deployment(deployment.pk, to, expected_from=current.status, error=error)
    return Deployment.objects.get(pk=deployment.pk)
