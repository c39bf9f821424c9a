"""What serves an artifact on a cluster with Knative Serving: one `serving.knative.dev/v1`
Service (ksvc), rendered from one revision, and how its rollout is judged. Same interface as
workload.py; serving.py picks between them.

Each KubeOrch revision names its Knative revision (`<name>-r<number>`, Knative's "bring your
own revision name"). Knative routes all traffic to the latest *ready* revision, so a new
revision that never becomes ready leaves the previous one serving; re-applying the previous
revision's template (a failed or cancelled deploy) re-selects that same Knative revision
instead of creating a new one.

Not rendered here: a custom host (Knative needs a DomainMapping for it; the URL is the one
Knative reports), readiness probes (Knative probes the container port itself), and PORT in the
environment (reserved: Knative sets it from the container port).
"""

from typing import Any

from deployments.artifacts import workload
from deployments.artifacts.build import labels
from deployments.cluster import ClusterClient, ClusterError
from deployments.health.api import assess
from deployments.health.model import Health, degraded, healthy, progressing
from deployments.health.pods import find_pod_problems
from deployments.models.artifacts import Artifact, ArtifactRevision

API_VERSION = "serving.knative.dev/v1"
KIND = "Service"
SERVICE_LABEL = "serving.knative.dev/service"
REVISION_LABEL = "serving.knative.dev/revision"
DEFAULT_DOMAIN = "example.com"  # Knative's default domain when none is configured
RESERVED_ENV = frozenset({"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"})


def revision_name(artifact: Artifact, number: int) -> str:
    return f"{artifact.name}-r{number}"


def computed_url(artifact: Artifact) -> str:
    return f"http://{artifact.name}.{artifact.namespace}.{DEFAULT_DOMAIN}"


def url_of(artifact: Artifact) -> str:
    """The URL Knative reports for the ksvc; before it exists (or when the cluster cannot be
    read), the one Knative's default domain would give."""
    from deployments.clusters import client_for

    try:
        live = client_for(artifact.cluster).get(API_VERSION, KIND, artifact.name,
                                                artifact.namespace)
    except ClusterError:
        live = None
    url = ((live or {}).get("status") or {}).get("url")
    return str(url) if url else computed_url(artifact)


def render(artifact: Artifact, revision: ArtifactRevision) -> list[dict[str, Any]]:
    """Every object of the revision, in apply order: the run-only Secret, then the ksvc."""
    objects = [obj for obj in workload.render(artifact, revision) if obj["kind"] == "Secret"]
    objects.append(_ksvc(artifact, revision))
    return objects


def _ksvc(artifact: Artifact, revision: ArtifactRevision) -> dict[str, Any]:
    env: list[dict[str, Any]] = [{"name": k, "value": str(v)}
                                 for k, v in sorted(revision.env.items()) if k not in RESERVED_ENV]
    env += [{"name": ref["env"], "valueFrom": {"secretKeyRef": {"name": ref["secret"],
                                                                "key": ref["key"]}}}
            for ref in revision.secret_refs if ref["env"] not in RESERVED_ENV]
    container: dict[str, Any] = {
        "name": "app", "image": revision.image_ref,
        "ports": [{"name": "http1", "containerPort": revision.port}],
        "env": env,
    }
    if revision.secrets:
        container["envFrom"] = [{"secretRef": {
            "name": workload.secret_name(artifact, revision.number)}}]
    template_labels = {**labels(artifact, revision.number), "app.kubernetes.io/name": artifact.name}
    return {
        "apiVersion": API_VERSION, "kind": KIND,
        "metadata": {"name": artifact.name, "namespace": artifact.namespace,
                     "labels": labels(artifact)},
        "spec": {"template": {
            "metadata": {"name": revision_name(artifact, revision.number),
                         "labels": template_labels,
                         "annotations": {"kubeorch.io/revision": str(revision.number)}},
            "spec": {"containers": [container]},
        }},
    }


def apply(client: ClusterClient, artifact: Artifact, revision: ArtifactRevision) -> None:
    client.ensure_namespace(artifact.namespace)
    for obj in render(artifact, revision):
        client.apply(obj)


def _conditions(live: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c.get("type", ""): c for c in (live.get("status") or {}).get("conditions") or []}


def rollout(client: ClusterClient, artifact: Artifact, number: int) -> Health:
    """The rollout's health: healthy once Knative observed this generation and this revision is
    both the latest created and the latest ready; degraded when Knative says Ready=False."""
    live = client.get(API_VERSION, KIND, artifact.name, artifact.namespace)
    if live is None:
        return assess(None)
    expected = revision_name(artifact, number)
    status = live.get("status") or {}
    generation = (live.get("metadata") or {}).get("generation") or 0
    created, ready_name = status.get("latestCreatedRevisionName"), status.get(
        "latestReadyRevisionName")
    details: dict[str, Any] = {"revision": expected, "latest_created": created,
                               "latest_ready": ready_name, "url": status.get("url")}
    if (status.get("observedGeneration") or 0) < generation:
        return progressing(f"waiting for Knative to observe generation {generation}", **details)
    if created != expected:
        return progressing(f"waiting for Knative to create revision {expected}", **details)
    ready = _conditions(live).get("Ready") or {}
    if ready.get("status") == "True" and ready_name == created:
        return healthy(f"revision {expected} is ready and receives all traffic", **details)
    if ready.get("status") == "False" and ready.get("reason"):
        pods = client.list("v1", "Pod", namespace=artifact.namespace,
                           label_selector=f"{REVISION_LABEL}={expected}")
        problems = find_pod_problems(pods)
        details.update(reason=ready["reason"],
                       pod_problems=[problem.to_details() for problem in problems])
        message = f"{ready['reason']}: {ready.get('message') or ''}".rstrip(": ")
        if problems:
            message = f"{message} ({problems[0].describe()})"
        return degraded(message, **details)
    return progressing(ready.get("message") or f"waiting for revision {expected} to be ready",
                       **details)


def runtime_pods(client: ClusterClient, artifact: Artifact) -> list[dict[str, Any]]:
    return list(client.list("v1", "Pod", namespace=artifact.namespace,
                            label_selector=f"{SERVICE_LABEL}={artifact.name}"))


def remove_all(client: ClusterClient, artifact: Artifact) -> list[str]:
    """Delete the ksvc (its revisions go with it), then what workload.remove_all deletes."""
    deleted = []
    try:
        if client.delete(API_VERSION, KIND, artifact.name, artifact.namespace,
                         propagation="Foreground"):
            deleted.append(f"{KIND}.serving.knative.dev/{artifact.name}")
    except ClusterError as error:
        if error.status != 404:  # 404: the cluster no longer serves Knative
            raise
    return deleted + workload.remove_all(client, artifact)
