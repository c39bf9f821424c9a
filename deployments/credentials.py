"""Credentials panels: the connection info and secret values of an artifact or a deployment
record, shown in full or masked by `workflows.credentials.decide`, each read audited.

The role, the environment's protection, the values and the audit row are read and written in
one transaction; the response is built only from what that transaction decided, so a value is
never returned unless its CredentialAccess row committed. Values are never logged nor emitted.
"""

from typing import Any

import yaml
from django.db import transaction

from deployments.cluster import ClusterError
from deployments.clusters import sandbox_kubeconfig
from deployments.models.artifacts import Artifact, ArtifactRevision, ArtifactStatus
from deployments.models.records import Deployment
from kubeorch.errors import Conflict, NotFound
from workflows import credentials as policy
from workflows.models import Cluster, ConnectionKind, Workflow
from workflows.permissions import role_in
from workflows.secret_masking import secret_fields

API_SERVER_KEY = "connection.api_server"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


def api_server(cluster: Cluster) -> str:
    """The API server URL from the cluster's connection (no request is made); "" if unknown."""
    credentials = cluster.credentials or {}
    kind = cluster.connection_kind
    if kind == ConnectionKind.TOKEN:
        return str(credentials.get("server") or "")
    if kind == ConnectionKind.IN_CLUSTER:
        return IN_CLUSTER_SERVER
    try:
        text = sandbox_kubeconfig() if kind == ConnectionKind.SANDBOX else \
            str(credentials.get("kubeconfig") or "")
        config = yaml.safe_load(text) or {}
        context_name = credentials.get("context") or config.get("current-context")
        contexts = {c.get("name"): c.get("context", {}) for c in config.get("contexts") or []}
        cluster_name = contexts.get(context_name, {}).get("cluster")
        for entry in config.get("clusters") or []:
            if entry.get("name") == cluster_name or cluster_name is None:
                return str(entry.get("cluster", {}).get("server") or "")
    except (ClusterError, yaml.YAMLError, AttributeError, TypeError):
        return ""
    return ""


def _live_artifact(team_id: int, artifact_id: int) -> Artifact:
    artifact = (Artifact.objects.filter(pk=artifact_id, team_id=team_id)
                .exclude(status=ArtifactStatus.DELETED).select_related("cluster").first())
    if artifact is None:
        raise NotFound(f"artifact {artifact_id} does not exist (or was deleted)")
    return artifact


def _artifact_revision(artifact: Artifact,
                       deployment: Deployment | None = None) -> ArtifactRevision | None:
    """The revision a record rolled out if asked through one; else the serving revision, else
    the newest."""
    revisions = ArtifactRevision.objects.filter(artifact=artifact)
    if deployment is not None:
        rolled_out = revisions.filter(deployment_record=deployment).first()
        if rolled_out is not None:
            return rolled_out
    number = artifact.serving_revision or artifact.current_revision
    return revisions.filter(number=number).first()


def _artifact_parts(artifact: Artifact, revision: ArtifactRevision | None,
                    namespace: str) -> tuple[dict[str, Any], dict[str, str]]:
    connection = {
        "service_dns": f"{artifact.name}.{namespace}.svc.cluster.local",
        "url": (revision.url if revision and revision.url else artifact.url),
        "image_ref": (revision.image_ref if revision and revision.image_ref
                      else artifact.image_ref),
        "secret_refs": list(revision.secret_refs) if revision else [],
    }
    secrets = {str(k): str(v) for k, v in (revision.secrets if revision else {}).items()}
    return connection, secrets


def _workflow_parts(team_id: int, workflow_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    workflow = Workflow.objects.filter(pk=workflow_id, team_id=team_id).first()
    if workflow is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    secrets: dict[str, str] = {}
    for node in workflow.nodes if isinstance(workflow.nodes, list) else []:
        data = node.get("data") if isinstance(node, dict) else None
        if not isinstance(data, dict):
            continue
        for field in secret_fields(str(node.get("type"))):
            values = data.get(field)
            for key, value in (values.items() if isinstance(values, dict) else []):
                secrets[f"{node.get('id')}:{key}"] = str(value)
    connection: dict[str, Any] = {"service_dns": None, "url": "", "image_ref": "",
                                  "secret_refs": []}
    return connection, secrets


def _respond(user: Any, *, team_id: int, target: str, via: str, cluster: Cluster,
             namespace: str, revision: int | None, connection: dict[str, Any],
             secrets: dict[str, str], client: policy.Client) -> dict[str, Any]:
    """Decide, audit and shape; the caller holds the transaction."""
    role = role_in(user, team_id)
    if role is None:  # membership removed since the view scoped the object
        raise NotFound("not found")
    environment, protected = policy.is_protected(cluster.pk, namespace)
    decision = policy.decide(role, protected)
    server = api_server(cluster)
    keys = sorted(secrets) + ([API_SERVER_KEY] if server else [])
    access = policy.record_access(
        user, team_id=team_id, target=target, via=via, revision=revision,
        cluster_id=cluster.pk, namespace=namespace, protected=protected, role=role, keys=keys,
        decision=decision, client=client)
    return {
        "target": target,
        "via": via or target,
        "revision": revision,
        "role": role,
        "environment": {"id": environment.pk if environment else None, "cluster": cluster.pk,
                        "namespace": namespace, "protected": protected},
        "masked": decision.masked,
        "reason": decision.reason,
        "connection": {"cluster": cluster.name, "namespace": namespace,
                       "api_server": policy.show(server, decision) if server else None,
                       **connection},
        "secrets": [{"key": key, **policy.show(secrets[key], decision)}
                    for key in sorted(secrets)],
        "audit_id": access.pk,
    }


def artifact_credentials(user: Any, artifact: Artifact, client: policy.Client) -> dict[str, Any]:
    with transaction.atomic():
        artifact = _live_artifact(artifact.team_id, artifact.pk)
        revision = _artifact_revision(artifact)
        connection, secrets = _artifact_parts(artifact, revision, artifact.namespace)
        return _respond(user, team_id=artifact.team_id, target=artifact.target, via="",
                        cluster=artifact.cluster, namespace=artifact.namespace,
                        revision=revision.number if revision else None,
                        connection=connection, secrets=secrets, client=client)


def deployment_credentials(user: Any, deployment: Deployment,
                           client: policy.Client) -> dict[str, Any]:
    """Through a deployment record: the environment is the record's (cluster, namespace)."""
    kind, _, raw_id = deployment.target.partition(":")
    if kind not in ("artifact", "workflow") or not raw_id.isdigit():
        raise Conflict(f"deployment {deployment.pk} targets {deployment.target!r}: KubeOrch "
                       f"holds no credentials for it", code="no_credentials")
    with transaction.atomic():
        cluster = Cluster.objects.get(pk=deployment.cluster_id)
        revision_number = None
        if kind == "artifact":
            artifact = _live_artifact(deployment.team_id, int(raw_id))
            revision = _artifact_revision(artifact, deployment)
            revision_number = revision.number if revision else None
            connection, secrets = _artifact_parts(artifact, revision, deployment.namespace)
        else:
            connection, secrets = _workflow_parts(deployment.team_id, int(raw_id))
        return _respond(user, team_id=deployment.team_id, target=deployment.target,
                        via=f"deployment:{deployment.pk}", cluster=cluster,
                        namespace=deployment.namespace, revision=revision_number,
                        connection=connection, secrets=secrets, client=client)
