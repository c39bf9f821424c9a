"""The build: a Buildah Job in the target cluster, followed until it pushes an image.

The context travels in a ConfigMap (binaryData `context.tar.gz`); one container unpacks it,
runs `buildah bud` and `buildah push`, and writes the pushed digest to its termination message.
Marker lines (`==> kubeorch stage: build|push`) split its log into the build and push stages.
The Job keeps its pods for `ttlSecondsAfterFinished` so the logs can be read after it ends.
"""

import base64
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from deployments.cluster import ClusterClient
from deployments.models.artifacts import Artifact, ArtifactRevision

BUILDAH_IMAGE = "quay.io/buildah/stable:v1.38.0"
STAGE_MARKER = "==> kubeorch stage: "
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
BUILD_SCRIPT = """echo "==> kubeorch stage: build"
mkdir -p /workspace && tar -xzf /context/context.tar.gz -C /workspace
buildah bud --layers --storage-driver=vfs -f /workspace/Dockerfile -t "$IMAGE" /workspace
echo "==> kubeorch stage: push"
buildah push --storage-driver=vfs --digestfile /dev/termination-log "$IMAGE" "docker://$IMAGE"
"""
BACKOFF_LIMIT = 1
# Long enough to read the logs of a finished build (the pipeline copies them at once anyway).
TTL_AFTER_FINISHED = 3600


def labels(artifact: Artifact, number: int | None = None) -> dict[str, str]:
    found = {"app.kubernetes.io/managed-by": "kubeorch", "kubeorch.io/artifact": str(artifact.pk)}
    if number is not None:
        found["kubeorch.io/revision"] = str(number)
    return found


def job_name(artifact: Artifact, number: int) -> str:
    return f"kubeorch-build-{artifact.pk}-r{number}"


def context_name(artifact: Artifact, number: int) -> str:
    return f"kubeorch-src-{artifact.pk}-r{number}"


def image_repository(artifact: Artifact) -> str:
    return f"{settings.KUBEORCH_BUILD_REGISTRY}/a{artifact.pk}-{artifact.name}"


def context_configmap(artifact: Artifact, number: int, blob: bytes) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": context_name(artifact, number), "namespace": artifact.namespace,
                     "labels": labels(artifact, number)},
        "binaryData": {"context.tar.gz": base64.b64encode(blob).decode()},
    }


def build_job(artifact: Artifact, number: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": job_name(artifact, number), "namespace": artifact.namespace,
                     "labels": labels(artifact, number)},
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "ttlSecondsAfterFinished": TTL_AFTER_FINISHED,
            "template": {
                "metadata": {"labels": labels(artifact, number)},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "buildah", "image": BUILDAH_IMAGE,
                        "command": ["/bin/sh", "-ec", BUILD_SCRIPT],
                        "env": [{"name": "IMAGE", "value": image}],
                        "securityContext": {"privileged": True},
                        "volumeMounts": [{"name": "context", "mountPath": "/context"},
                                         {"name": "storage", "mountPath": "/var/lib/containers"}],
                    }],
                    "volumes": [
                        {"name": "context",
                         "configMap": {"name": context_name(artifact, number)}},
                        {"name": "storage", "emptyDir": {}},
                    ],
                },
            },
        },
    }


@dataclass
class BuildResult:
    digest: str | None = None
    stage: str = "build"  # where it ended: build or push
    reason: str = ""
    details: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.digest is not None


class BuildRunner:
    """Creates the context and the Job, follows its pod's log, and reads the outcome.

    `on_stage(name)` is called at each marker; `on_line(stage, line)` for every other line.
    `stop` is set by the pipeline when the revision is cancelled; the Job is then deleted.
    """

    def __init__(self, client: ClusterClient, artifact: Artifact, revision: ArtifactRevision,
                 on_stage: Callable[[str], None], on_line: Callable[[str, str], None],
                 stop: threading.Event) -> None:
        self.client, self.artifact, self.revision = client, artifact, revision
        self.on_stage, self.on_line, self.stop = on_stage, on_line, stop
        self.stage = "build"
        self.deadline = time.monotonic() + settings.KUBEORCH_BUILD_TIMEOUT_SECONDS
        self.followed: set[str] = set()

    def run(self, blob: bytes, image: str) -> BuildResult:
        self.client.ensure_namespace(self.artifact.namespace)
        self.client.apply(context_configmap(self.artifact, self.revision.number, blob))
        self.client.apply(build_job(self.artifact, self.revision.number, image))
        while True:
            if self.stop.is_set():
                self.delete_job()
                return BuildResult(stage=self.stage, reason="cancelled", cancelled=True)
            if time.monotonic() > self.deadline:
                self.delete_job()
                return self._failure(f"the build did not finish within "
                                     f"{settings.KUBEORCH_BUILD_TIMEOUT_SECONDS} s")
            outcome = self._step()
            if outcome is not None:
                return outcome

    def _step(self) -> BuildResult | None:
        job = self.client.get("batch/v1", "Job", job_name(self.artifact, self.revision.number),
                              self.artifact.namespace)
        if job is None:
            return BuildResult(stage=self.stage, reason="the build Job was deleted",
                               cancelled=self.stop.is_set())
        pods = sorted(self._pods(), key=lambda p: p["metadata"].get("creationTimestamp", ""))
        for pod in pods:
            name = pod["metadata"]["name"]
            if name not in self.followed and self._container_started(pod):
                self.followed.add(name)
                if len(self.followed) > 1:
                    self.on_line(self.stage, f"build pod {name}: retrying (attempt "
                                             f"{len(self.followed)} of {BACKOFF_LIMIT + 1})")
                    self.stage = "build"
                self._follow(name)
                if self.stop.is_set():
                    return None
        finished = _job_finished(job)
        if finished == "Complete":
            return self._success(pods)
        if finished == "Failed":
            return self._failure(_condition_message(job), pods)
        waiting = [reason for pod in pods for reason in _waiting_reasons(pod)]
        stuck = [w for w in waiting if w.split(":")[0] in _STUCK_REASONS]
        if stuck:
            self.delete_job()
            return self._failure(stuck[0], pods)
        self.stop.wait(0.3)
        return None

    def _pods(self) -> list[dict[str, Any]]:
        selector = f"job-name={job_name(self.artifact, self.revision.number)}"
        return self.client.list("v1", "Pod", namespace=self.artifact.namespace,
                                label_selector=selector)

    @staticmethod
    def _container_started(pod: dict[str, Any]) -> bool:
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            if "running" in (status.get("state") or {}) or "terminated" in (status.get("state")
                                                                             or {}):
                return True
        return False

    def _follow(self, pod: str) -> None:
        follower = self.client.follow_pod_logs(pod, self.artifact.namespace, container="buildah",
                                               stop=self.stop)
        try:
            for line in follower:
                if line.startswith(STAGE_MARKER):
                    self.stage = line.removeprefix(STAGE_MARKER).strip()
                    self.on_stage(self.stage)
                else:
                    self.on_line(self.stage, line)
        finally:
            follower.close()

    def _success(self, pods: list[dict[str, Any]]) -> BuildResult:
        for pod in reversed(pods):
            terminated = _terminated(pod)
            message = (terminated or {}).get("message", "").strip()
            if terminated and terminated.get("exitCode") == 0 and DIGEST.match(message):
                return BuildResult(digest=message, stage="push")
        return self._failure("the build finished without reporting an image digest", pods)

    def _failure(self, reason: str, pods: list[dict[str, Any]] | None = None) -> BuildResult:
        details: list[str] = []
        for pod in pods or []:
            terminated = _terminated(pod)
            if terminated:
                details.append(f"pod {pod['metadata']['name']}: exit code "
                               f"{terminated.get('exitCode')} ({terminated.get('reason', '')})")
            details += [f"pod {pod['metadata']['name']}: {w}" for w in _waiting_reasons(pod)]
            for event in self.client.events_for(pod):
                if event.get("type") == "Warning":
                    details.append(f"{event.get('reason')}: {event.get('message')}")
        return BuildResult(stage=self.stage, reason=reason, details=details)

    def delete_job(self) -> None:
        name = job_name(self.artifact, self.revision.number)
        self.client.delete("batch/v1", "Job", name, self.artifact.namespace,
                           propagation="Foreground")


# A build pod stuck in one of these will not recover by waiting.
_STUCK_REASONS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                  "CreateContainerConfigError", "CreateContainerError"}


def _job_finished(job: dict[str, Any]) -> str | None:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return str(condition["type"])
    return None


def _condition_message(job: dict[str, Any]) -> str:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Failed":
            return f"build Job failed: {condition.get('reason')}: {condition.get('message')}"
    return "build Job failed"


def _terminated(pod: dict[str, Any]) -> dict[str, Any] | None:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        terminated = (status.get("state") or {}).get("terminated")
        if terminated:
            return dict(terminated)
    return None


def _waiting_reasons(pod: dict[str, Any]) -> list[str]:
    found = []
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
            found.append(f"{waiting['reason']}: {waiting.get('message', '')}".rstrip(": "))
    return found
