"""Knative Serving's `serving.knative.dev/v1` Service (ksvc), simulated for the basics.

Served only by `SandboxCluster(knative=True)`. What real Knative does through Configuration,
Revision, Route and the autoscaler is folded into one controller:

- every new `spec.template` makes a revision: `<name>-00001`, `<name>-00002`, ... or the
  template's own `metadata.name` (Knative's "bring your own revision name"; re-applying an
  existing name re-selects that revision instead of making a new one). Each revision is a
  Deployment `<revision>-deployment` owned by the ksvc, its pods labelled
  `serving.knative.dev/service`, `.../configuration` and `.../revision`, with PORT, K_SERVICE,
  K_CONFIGURATION and K_REVISION in the environment;
- a revision is ready once its Deployment has an available pod, and failed when one of its
  pods cannot pull its image, crash-loops, cannot be scheduled, or its Deployment misses the
  progress deadline;
- `status.latestReadyRevisionName` only moves to `latestCreatedRevisionName` when that becomes
  ready: all traffic goes to the latest ready revision, so a failing new revision leaves the
  previous one serving. Revisions neither created last nor serving scale to zero;
- conditions ConfigurationsReady, RoutesReady, Ready: Unknown/RevisionMissing while the newest
  revision comes up, True when it is ready, False with RevisionFailed (ContainerMissing when
  the image cannot be pulled: real Knative puts that reason on the Revision, which the sandbox
  does not serve) and the pod's reason in the message.

Not simulated: spec.traffic splits and tags, Routes/Configurations/Revisions as API objects,
the queue-proxy sidecar, scale from zero on request, domain mappings.
"""

from __future__ import annotations

from typing import Any

from .. import resources as R
from ..errors import FieldError
from ..util import Obj, deep, dig, owner_ref, stable_hash
from ..validation import EXTRA_VALIDATORS
from .base import Context, set_condition
from .pods import owned

CONTROLLER = "controller"  # the field manager of Knative's controller deployment
SERVICE_LABEL = "serving.knative.dev/service"
CONFIGURATION_LABEL = "serving.knative.dev/configuration"
REVISION_LABEL = "serving.knative.dev/revision"
GENERATION_LABEL = "serving.knative.dev/configurationGeneration"
TEMPLATE_HASH = "sandbox.kubeorch.io/template-hash"
READY_MARK = "sandbox.kubeorch.io/revision-ready"
DOMAIN = "example.com"
DEFAULT_PORT = 8080
RESERVED_ENV = ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION")
PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
CONTAINER_FAILURES = ("CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError",
                      "RunContainerError")


def revision_deployment(revision: str) -> str:
    return f"{revision}-deployment"


def service_url(name: str, namespace: str) -> str:
    return f"http://{name}.{namespace}.{DOMAIN}"


class KnativeServiceController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # revision Deployment uid -> when it was first seen available (not yet marked ready)
        self._available_since: dict[str, float] = {}

    def reconcile(self) -> None:
        for ksvc in self.ctx.store.list(R.KNATIVE_SERVICES)[0]:
            if not ksvc["metadata"].get("deletionTimestamp"):
                self._sync(ksvc)

    def _sync(self, ksvc: Obj) -> None:
        revisions = {dig(d, "metadata", "labels", REVISION_LABEL): d
                     for d in owned(self.ctx, R.DEPLOYMENTS, ksvc)}
        latest = self._latest_created(ksvc, revisions)
        if latest is None:
            return
        failure = None
        if self._is_ready(revisions[latest]):
            ready: str | None = latest
        else:
            failure = self._failure(revisions[latest])
            ready = dig(ksvc, "status", "latestReadyRevisionName")
            if ready not in revisions:
                ready = None
        for name, deployment in revisions.items():
            self._scale(deployment, 1 if name in (latest, ready) else 0)
        self._write_status(ksvc, latest, ready, failure)

    # -- revisions -------------------------------------------------------------------------
    def _latest_created(self, ksvc: Obj, revisions: dict[str, Obj]) -> str | None:
        template = dig(ksvc, "spec", "template", default={})
        template_hash = stable_hash(template)
        chosen = dig(template, "metadata", "name")
        if chosen is None:
            current = dig(ksvc, "status", "latestCreatedRevisionName")
            if current in revisions and dig(revisions[current], "metadata", "annotations",
                                            TEMPLATE_HASH) == template_hash:
                return str(current)
        elif chosen in revisions:
            return str(chosen)
        generation = 1 + max((int(dig(d, "metadata", "labels", GENERATION_LABEL, default="0"))
                              for d in revisions.values()), default=0)
        name = chosen or f"{ksvc['metadata']['name']}-{generation:05d}"
        created = self.ctx.create(R.DEPLOYMENTS, ksvc["metadata"]["namespace"],
                                  self._deployment(ksvc, template, name, generation,
                                                   template_hash), CONTROLLER)
        if created is None:
            return None
        self.ctx.event(ksvc, "Normal", "Created", f"Created Revision {name!r}", CONTROLLER)
        revisions[name] = created
        return name

    def _deployment(self, ksvc: Obj, template: Obj, revision: str, generation: int,
                    template_hash: str) -> Obj:
        service = ksvc["metadata"]["name"]
        meta = template.get("metadata") or {}
        labels = {**(meta.get("labels") or {}), SERVICE_LABEL: service,
                  CONFIGURATION_LABEL: service, REVISION_LABEL: revision,
                  GENERATION_LABEL: str(generation)}
        spec = deep(template.get("spec") or {})
        containers = spec.get("containers") or []
        for index, container in enumerate(containers):
            container.setdefault("name", "user-container" if index == 0 else f"sidecar-{index}")
            env = container.setdefault("env", [])
            ports = container.get("ports") or []
            if index == 0 or ports:
                port = ports[0].get("containerPort", DEFAULT_PORT) if ports else DEFAULT_PORT
                container["ports"] = [{"name": ports[0].get("name", "user-port") if ports
                                       else "user-port", "containerPort": port,
                                       "protocol": "TCP"}]
                env.append({"name": "PORT", "value": str(port)})
            env += [{"name": "K_REVISION", "value": revision},
                    {"name": "K_CONFIGURATION", "value": service},
                    {"name": "K_SERVICE", "value": service}]
        pod_meta: Obj = {"labels": {**labels, "app": revision}}
        if meta.get("annotations"):
            pod_meta["annotations"] = deep(meta["annotations"])
        return {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": revision_deployment(revision), "labels": labels,
                         "annotations": {TEMPLATE_HASH: template_hash},
                         "ownerReferences": [owner_ref(ksvc)]},
            "spec": {"replicas": 1, "selector": {"matchLabels": {REVISION_LABEL: revision}},
                     "progressDeadlineSeconds": 600,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                     "template": {"metadata": pod_meta, "spec": spec}},
        }

    def _is_ready(self, deployment: Obj) -> bool:
        """Ready once it kept an available pod for a moment (sticky: a mark on the Deployment)."""
        annotations = deployment["metadata"].setdefault("annotations", {})
        if annotations.get(READY_MARK) == "true":
            return True
        uid, now = deployment["metadata"]["uid"], self.ctx.now()
        if dig(deployment, "status", "availableReplicas", default=0) < 1 or \
                self._failure(deployment) is not None:
            self._available_since.pop(uid, None)
            return False
        # A container that crashes soon after starting is briefly ready; like Knative's
        # probing, want it ready for a while (simulated crashes come after pod_start_delay).
        since = self._available_since.setdefault(uid, now)
        if now - since < max(0.2, 3 * self.ctx.config.pod_start_delay):
            return False
        del self._available_since[uid]
        annotations[READY_MARK] = "true"
        updated = self.ctx.write_object(R.DEPLOYMENTS, deployment, CONTROLLER)
        if updated:
            deployment.update(updated)
        return True

    def _failure(self, deployment: Obj) -> tuple[str, str] | None:
        """(reason, message) when the revision cannot become ready, from its pods."""
        revision = deployment["metadata"]["labels"][REVISION_LABEL]
        pods, _ = self.ctx.store.list(
            R.PODS, deployment["metadata"]["namespace"],
            lambda p: dig(p, "metadata", "labels", REVISION_LABEL) == revision)
        for pod in pods:
            for status in dig(pod, "status", "containerStatuses", default=[]):
                waiting = dig(status, "state", "waiting", default={})
                reason = waiting.get("reason", "")
                if reason in PULL_FAILURES or reason in CONTAINER_FAILURES:
                    return reason, waiting.get("message", "")
                for state in (dig(status, "state"), dig(status, "lastState")):
                    terminated = (state or {}).get("terminated") or {}
                    if terminated.get("exitCode"):  # it ran and failed: "Container failed"
                        return terminated.get("reason") or "Error", \
                            f"Container failed with: {terminated.get('message') or ''}".strip()
            for condition in dig(pod, "status", "conditions", default=[]):
                if condition.get("type") == "PodScheduled" and condition.get("status") == \
                        "False" and condition.get("reason") == "Unschedulable":
                    return "Unschedulable", condition.get("message", "")
        progressing: Obj = next((c for c in dig(deployment, "status", "conditions", default=[])
                            if c.get("type") == "Progressing"), {})
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            return "ProgressDeadlineExceeded", "Initial scale was never achieved"
        return None

    def _scale(self, deployment: Obj, replicas: int) -> None:
        if deployment["spec"].get("replicas") != replicas:
            deployment["spec"]["replicas"] = replicas
            self.ctx.write_object(R.DEPLOYMENTS, deployment, CONTROLLER)

    # -- status ----------------------------------------------------------------------------
    def _write_status(self, ksvc: Obj, latest: str, ready: str | None,
                      failure: tuple[str, str] | None) -> None:
        name, namespace = ksvc["metadata"]["name"], ksvc["metadata"]["namespace"]
        conditions = dig(ksvc, "status", "conditions", default=[])
        waiting = f'Configuration "{name}" is waiting for a Revision to become ready.'
        states: dict[str, tuple[str, str | None, str | None]]
        routes: tuple[str, str | None, str | None]
        if ready == latest:
            states = {"ConfigurationsReady": ("True", None, None),
                      "RoutesReady": ("True", None, None), "Ready": ("True", None, None)}
        elif failure is not None:
            reason = "ContainerMissing" if failure[0] in PULL_FAILURES else "RevisionFailed"
            message = f'Revision "{latest}" failed with message: {failure[0]}: {failure[1]}.'
            routes = ("True", None, None) if ready else (
                "False", "RevisionMissing", f'Configuration "{name}" does not have any ready '
                                            f"Revision.")
            states = {"ConfigurationsReady": ("False", reason, message), "RoutesReady": routes,
                      "Ready": ("False", reason, message)}
        else:
            routes = ("True", None, None) if ready else ("Unknown", "RevisionMissing", waiting)
            states = {"ConfigurationsReady": ("Unknown", None, None), "RoutesReady": routes,
                      "Ready": ("Unknown", "RevisionMissing", waiting)}
        for kind in ("ConfigurationsReady", "Ready", "RoutesReady"):
            conditions = set_condition(conditions, kind, *states[kind])
        status: dict[str, Any] = {
            "observedGeneration": ksvc["metadata"].get("generation", 1),
            "conditions": conditions, "latestCreatedRevisionName": latest,
            "url": service_url(name, namespace),
            "address": {"url": f"http://{name}.{namespace}.svc.cluster.local"}}
        if ready:
            status["latestReadyRevisionName"] = ready
            status["traffic"] = [{"revisionName": ready, "latestRevision": True,
                                  "percent": 100}]
        if ready != dig(ksvc, "status", "latestReadyRevisionName") and ready:
            self.ctx.event(ksvc, "Normal", "LatestReadyUpdate",
                           f"LatestReadyRevisionName updated to {ready!r}", CONTROLLER)
        self.ctx.write_status(R.KNATIVE_SERVICES, ksvc, status, CONTROLLER)


# -- validation (Knative's admission webhook, the parts that matter here) ------------------

def knative_service_errors(ksvc: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    template = dig(ksvc, "spec", "template", default={})
    chosen = dig(template, "metadata", "name")
    prefix = f"{dig(ksvc, 'metadata', 'name', default='')}-"
    if chosen is not None and not str(chosen).startswith(prefix):
        errors.append(FieldError("spec.template.metadata.name", "Invalid",
                                 f'must have prefix "{prefix}"', chosen))
    containers = dig(template, "spec", "containers", default=[])
    if not containers:
        errors.append(FieldError("spec.template.spec.containers", "Required", ""))
    with_ports = 0
    for i, container in enumerate(containers):
        path = f"spec.template.spec.containers[{i}]"
        if not container.get("image"):
            errors.append(FieldError(f"{path}.image", "Required", ""))
        ports = container.get("ports") or []
        with_ports += bool(ports)
        if len(ports) > 1:
            errors.append(FieldError(f"{path}.ports", "Invalid",
                                     "more than one container port is set", len(ports)))
        for j, env in enumerate(container.get("env") or []):
            if env.get("name") in RESERVED_ENV:
                errors.append(FieldError(f"{path}.env[{j}].name", "Invalid",
                                         f'"{env["name"]}" is a reserved environment variable',
                                         env["name"]))
    if with_ports > 1:
        errors.append(FieldError("spec.template.spec.containers", "Invalid",
                                 "exactly one container must specify a port", with_ports))
    return errors


EXTRA_VALIDATORS[R.KNATIVE_SERVICES.key] = knative_service_errors
