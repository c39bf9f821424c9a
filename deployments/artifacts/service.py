"""What the REST API and the MCP server both call: validated input in, plain dicts out.

Mutations delegate to actions.py; reads are scoped to the user's teams here, once.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet

from deployments.api import artifact_serializers as s
from deployments.artifacts import actions, serving
from deployments.cluster import ClusterError
from deployments.clusters import client_for
from deployments.models.artifacts import (
    Artifact,
    ArtifactLog,
    ArtifactRevision,
    ArtifactStage,
    ArtifactStatus,
)
from kubeorch.errors import FieldError, InvalidInput
from workflows.permissions import visible_teams
from workflows.secret_masking import redact

RUNTIME_TAIL = 500


def visible_artifacts(user: Any) -> QuerySet[Artifact]:
    return (Artifact.objects.filter(team_id__in=visible_teams(user).values("pk"))
            .exclude(status=ArtifactStatus.DELETED).select_related("owner"))


def list_page(user: Any, status: str | None = None, cursor: int | None = None,
              limit: int = 50) -> dict[str, Any]:
    """Newest first, keyset on id (the `artifact_team_recent` index): no OFFSET, no COUNT."""
    rows = visible_artifacts(user)
    if status:
        rows = rows.filter(status=status)
    if cursor:
        rows = rows.filter(pk__lt=cursor)
    items = list(rows.order_by("-id")[: limit + 1])
    following = items[limit - 1].pk if len(items) > limit else None
    return {"results": s.ArtifactSerializer(items[:limit], many=True).data, "next": following}


def detail(artifact: Artifact) -> dict[str, Any]:
    return dict(s.ArtifactDetailSerializer(artifact).data)


def versions(artifact: Artifact) -> list[dict[str, Any]]:
    """Every revision, newest first, with its stages."""
    revisions = artifact.revisions.order_by("-number").prefetch_related(
        Prefetch("stages", queryset=ArtifactStage.objects.all()))
    return list(s.RevisionSerializer(revisions, many=True).data)


def accepted(revision: ArtifactRevision) -> dict[str, Any]:
    artifact = Artifact.objects.get(pk=revision.artifact_id)
    return {"artifact_id": artifact.pk, "revision": revision.number, "status": artifact.status,
            "events_url": s.events_url(artifact)}


def _options(data: dict[str, Any]) -> actions.Options:
    return actions.Options(port=data.get("port"), env=data.get("env"),
                           secrets=data.get("secrets"), secret_refs=data.get("secret_refs"),
                           files=data.get("files"))


def deploy(user: Any, data: dict[str, Any]) -> ArtifactRevision:
    cluster = data["cluster"]
    return actions.deploy_artifact(
        user, cluster, data["name"], data.get("namespace") or cluster.default_namespace,
        data.get("host") or "", _options(data))


def update(user: Any, artifact: Artifact, data: dict[str, Any]) -> ArtifactRevision:
    return actions.update_artifact(user, artifact, _options(data))


def rollback(user: Any, artifact: Artifact, number: int) -> ArtifactRevision:
    return actions.rollback_artifact(user, artifact, number)


def cancel(user: Any, artifact: Artifact) -> list[ArtifactRevision]:
    return actions.cancel_artifact(user, artifact)


def delete(user: Any, artifact: Artifact) -> Artifact:
    from django.db import transaction

    from deployments.artifacts.tasks import finish_delete

    artifact = actions.mark_deleted(user, artifact)
    transaction.on_commit(lambda: finish_delete.delay(artifact.pk))
    return artifact


def logs(artifact: Artifact, stage: str | None = None, revision: int | None = None,
         after: int = 0, tail: int = 500) -> dict[str, Any]:
    """Stored stage logs of a revision (default: the newest), or the running app's logs."""
    if stage == "runtime":
        return _runtime_logs(artifact, tail)
    number = revision or artifact.current_revision
    found = artifact.revisions.filter(number=number).first()
    if found is None:
        raise InvalidInput(f"revision: no revision {number}",
                           [FieldError("revision", f"no revision {number}")])
    rows = ArtifactLog.objects.filter(revision=found, seq__gt=after)
    if stage:
        rows = rows.filter(stage=stage)
    lines = list(rows.order_by("-seq")[:tail].values("seq", "stage", "ts", "line"))[::-1]
    return {"revision": number, "stage": stage, "lines": lines,
            "next": lines[-1]["seq"] if lines else after}


def _runtime_logs(artifact: Artifact, tail: int) -> dict[str, Any]:
    client = client_for(artifact.cluster)
    # Every revision's secret values: pods of an older revision may still be terminating.
    secrets = [value for values in artifact.revisions.values_list("secrets", flat=True)
               for value in (values or {}).values()]
    pods = []
    try:
        for pod in serving.for_cluster(client).runtime_pods(client, artifact):
            name = pod["metadata"]["name"]
            text = client.pod_logs(name, artifact.namespace, container="app", tail_lines=tail)
            pods.append({"pod": name,
                         "revision": (pod["metadata"].get("labels") or {}).get(
                             "kubeorch.io/revision"),
                         "lines": redact(text.splitlines(), secrets)})
    except ClusterError as error:
        if error.status != 400:  # 400: a container not started yet has no logs
            raise
    return {"revision": artifact.serving_revision, "stage": "runtime", "pods": pods}
