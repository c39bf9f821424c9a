"""What serves an artifact: a Deployment and a Service (and an Ingress when a host is set),
rendered from one revision, and how its rollout is judged.

The rollout never takes the running version down first (maxUnavailable 0): until the new pods
are available the previous ReplicaSet keeps serving, and re-applying the previous revision's
template (a failed or cancelled deploy) scales that same ReplicaSet back as the only one.
"""

from typing import Any

from deployments.artifacts.build import labels
from deployments.cluster import ClusterClient
from deployments.health.api import assess
from deployments.health.model import Health
from deployments.models.artifacts import Artifact, ArtifactRevision

SERVICE_PORT = 80
KINDS = (("networking.k8s.io/v1", "Ingress"), ("v1", "Service"), ("apps/v1", "Deployment"),
         ("v1", "Secret"), ("batch/v1", "Job"), ("v1", "ConfigMap"))


def secret_name(artifact: Artifact, number: int) -> str:
    return f"{artifact.name}-env-r{number}"


def url_of(artifact: Artifact) -> str:
    if artifact.host:
        return f"http://{artifact.host}/"
    return f"http://{artifact.name}.{artifact.namespace}.svc.cluster.local/"


def render(artifact: Artifact, revision: ArtifactRevision) -> list[dict[str, Any]]:
    """Every object of the revision, in apply order."""
    meta = {"namespace": artifact.namespace, "labels": labels(artifact)}
    objects: list[dict[str, Any]] = []
    if revision.secrets:
        objects.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                        "metadata": {**meta, "name": secret_name(artifact, revision.number),
                                     "labels": labels(artifact, revision.number)},
                        "stringData": dict(revision.secrets)})
    objects.append(_deployment(artifact, revision, meta))
    objects.append({
        "apiVersion": "v1", "kind": "Service", "metadata": {**meta, "name": artifact.name},
        "spec": {"selector": _selector(artifact),
                 "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": revision.port}]},
    })
    if artifact.host:
        objects.append(_ingress(artifact, meta))
    return objects


def _selector(artifact: Artifact) -> dict[str, str]:
    return {"app.kubernetes.io/name": artifact.name, "kubeorch.io/artifact": str(artifact.pk)}


def _deployment(artifact: Artifact, revision: ArtifactRevision,
                meta: dict[str, Any]) -> dict[str, Any]:
    env: list[dict[str, Any]] = [{"name": "PORT", "value": str(revision.port)}]
    env += [{"name": k, "value": str(v)} for k, v in sorted(revision.env.items()) if k != "PORT"]
    env += [{"name": ref["env"], "valueFrom": {"secretKeyRef": {"name": ref["secret"],
                                                                "key": ref["key"]}}}
            for ref in revision.secret_refs]
    container: dict[str, Any] = {
        "name": "app", "image": revision.image_ref,
        "ports": [{"name": "http", "containerPort": revision.port}],
        "env": env,
        "readinessProbe": {"tcpSocket": {"port": revision.port}, "periodSeconds": 5},
    }
    if revision.secrets:
        container["envFrom"] = [{"secretRef": {"name": secret_name(artifact, revision.number)}}]
    pod_labels = {**_selector(artifact), "kubeorch.io/revision": str(revision.number)}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**meta, "name": artifact.name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": _selector(artifact)},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": pod_labels},
                         "spec": {"containers": [container]}},
        },
    }


def _ingress(artifact: Artifact, meta: dict[str, Any]) -> dict[str, Any]:
    backend = {"service": {"name": artifact.name, "port": {"number": SERVICE_PORT}}}
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {**meta, "name": artifact.name},
        "spec": {"rules": [{"host": artifact.host, "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": backend}]}}]},
    }


def apply(client: ClusterClient, artifact: Artifact, revision: ArtifactRevision) -> None:
    client.ensure_namespace(artifact.namespace)
    for obj in render(artifact, revision):
        client.apply(obj)


def rollout(client: ClusterClient, artifact: Artifact, number: int) -> Health:
    """The rollout's health, counting only pods of this revision as its own."""
    live = client.get("apps/v1", "Deployment", artifact.name, artifact.namespace)
    if live is None:
        return assess(None)
    pods = [p for p in client.pods_for(live)
            if (p["metadata"].get("labels") or {}).get("kubeorch.io/revision") == str(number)]
    return assess(live, pods=pods)


def runtime_pods(client: ClusterClient, artifact: Artifact) -> list[dict[str, Any]]:
    live = client.get("apps/v1", "Deployment", artifact.name, artifact.namespace)
    return client.pods_for(live) if live else []


def remove_all(client: ClusterClient, artifact: Artifact) -> list[str]:
    """Delete everything labelled as this artifact's (workload, secrets, build Jobs, contexts)."""
    selector = f"kubeorch.io/artifact={artifact.pk},app.kubernetes.io/managed-by=kubeorch"
    deleted = []
    for api_version, kind in KINDS:
        for obj in client.list(api_version, kind, namespace=artifact.namespace,
                               label_selector=selector):
            name = obj["metadata"]["name"]
            if client.delete(api_version, kind, name, artifact.namespace,
                             propagation="Foreground"):
                deleted.append(f"{kind}/{name}")
    return deleted
