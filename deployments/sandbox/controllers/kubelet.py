"""The scheduler and kubelet of the sandbox node: binds pods, then walks each container
through creating -> running (or a failure) and publishes real-shaped pod statuses."""

from __future__ import annotations

import base64
import ipaddress
import itertools
from dataclasses import dataclass, field

from .. import applogs
from .. import resources as R
from ..bootstrap import NODE_CAPACITY, NODE_NAME
from ..util import Obj, dig, now_iso, stable_hash
from . import buildah, failures
from .base import Context, set_condition

_POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")
SCHEDULER = "default-scheduler"
KUBELET = "kubelet"


@dataclass
class ContainerSim:
    name: str
    image: str
    behaviour: failures.Behaviour
    stage: str = "creating"  # creating|pullfail|pullbackoff|configerror|running|crashloop|done
    config_error: str = ""  # CreateContainerConfigError's message (a referenced key missing)
    since: float = 0.0
    started_at: float = 0.0
    restart_count: int = 0
    backoff: float = 0.0
    lines_written: int = 0
    terminated: Obj | None = None
    last_terminated: Obj | None = None
    build: buildah.BuildState | None = None  # image builds (quay.io/buildah/stable) only


@dataclass
class PodSim:
    uid: str
    containers: dict[str, ContainerSim] = field(default_factory=dict)
    ip: str | None = None
    scheduled_at: float | None = None
    schedule_message: str | None = None


class Kubelet:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.sims: dict[str, PodSim] = {}
        self._ips = itertools.islice(_POD_NETWORK.hosts(), 4, None)
        self.builds = buildah.BuildSimulator(ctx)  # also holds the sandbox registry

    def reconcile(self) -> None:
        pods, _ = self.ctx.store.list(R.PODS)
        alive = {p["metadata"]["uid"] for p in pods}
        for uid in [u for u in self.sims if u not in alive]:
            del self.sims[uid]
            self.ctx.logs.forget(uid)
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            sim = self.sims.setdefault(pod["metadata"]["uid"], PodSim(pod["metadata"]["uid"]))
            if not dig(pod, "spec", "nodeName"):
                self._schedule(pod, sim)
                continue
            if sim.scheduled_at is None:
                sim.scheduled_at = self.ctx.now()
            self._run(pod, sim)

    # -- scheduler -------------------------------------------------------------------------
    def _unschedulable_reasons(self, pod: Obj) -> list[str]:
        reasons = [f"1 Insufficient {r}"
                   for r in failures.insufficient_resources(pod, NODE_CAPACITY)]
        for volume in dig(pod, "spec", "volumes", default=[]):
            claim = dig(volume, "persistentVolumeClaim", "claimName")
            if not claim:
                continue
            pvc = self.ctx.store.get(R.PVCS, pod["metadata"]["namespace"], claim)
            if pvc is None:
                reasons.append(f'persistentvolumeclaim "{claim}" not found')
            elif dig(pvc, "status", "phase") != "Bound":
                reasons.append("pod has unbound immediate PersistentVolumeClaims")
        return reasons

    def _schedule(self, pod: Obj, sim: PodSim) -> None:
        reasons = self._unschedulable_reasons(pod)
        if reasons:
            message = failures.unschedulable_message(reasons)
            if message != sim.schedule_message:
                sim.schedule_message = message
                self.ctx.event(pod, "Warning", "FailedScheduling", message, SCHEDULER)
            status = dict(pod.get("status") or {})
            status["phase"] = "Pending"
            status["conditions"] = set_condition(status.get("conditions", []), "PodScheduled",
                                                 "False", "Unschedulable", message)
            self.ctx.write_status(R.PODS, pod, status, SCHEDULER)
            return
        pod["spec"]["nodeName"] = NODE_NAME
        bound = self.ctx.write_object(R.PODS, pod, SCHEDULER)
        if bound:
            meta = pod["metadata"]
            self.ctx.event(bound, "Normal", "Scheduled", f"Successfully assigned "
                           f"{meta['namespace']}/{meta['name']} to {NODE_NAME}", SCHEDULER)

    # -- kubelet ---------------------------------------------------------------------------
    def _run(self, pod: Obj, sim: PodSim) -> None:
        now = self.ctx.now()
        for container in pod["spec"].get("containers", []):
            csim = sim.containers.get(container["name"])
            if csim is None:
                csim = ContainerSim(container["name"], container.get("image", ""),
                                    self.builds.behaviour_of(container), since=now)
                sim.containers[container["name"]] = csim
                self.ctx.event(pod, "Normal", "Pulling", f'Pulling image "{csim.image}"',
                               KUBELET, self._field_path(container))
            self._advance(pod, container, csim, now)
        if sim.ip is None and any(c.stage != "creating" for c in sim.containers.values()):
            sim.ip = str(next(self._ips))
        self.ctx.write_status(R.PODS, pod, self._pod_status(pod, sim), KUBELET)

    @staticmethod
    def _field_path(container: Obj) -> str:
        return f"spec.containers{{{container['name']}}}"

    def _advance(self, pod: Obj, container: Obj, csim: ContainerSim, now: float) -> None:
        delay = self.ctx.config.pod_start_delay
        elapsed = now - csim.since
        if csim.stage == "creating" and elapsed >= delay:
            if self.builds.mount_blocked(pod, csim, now):
                return
            if csim.behaviour.pull_error:
                csim.stage, csim.since = "pullfail", now
                self._event(pod, container, "Warning", "Failed", failures.pull_failed_event(
                    csim.image, csim.behaviour.pull_error))
                self._event(pod, container, "Warning", "Failed", "Error: ErrImagePull")
            else:
                self._start_when_configured(pod, container, csim, now)
        elif csim.stage == "configerror" and elapsed >= delay:
            self._start_when_configured(pod, container, csim, now)
        elif csim.stage == "pullfail" and elapsed >= delay:
            csim.stage, csim.since = "pullbackoff", now
            self._event(pod, container, "Normal", "BackOff", f'Back-off pulling image '
                        f'"{csim.image}"')
            self._event(pod, container, "Warning", "Failed", "Error: ImagePullBackOff")
        elif csim.stage == "running":
            self._while_running(pod, container, csim, now)
        elif csim.stage == "crashloop" and elapsed >= csim.backoff:
            self._start(pod, container, csim, now, first=False)

    def _start_when_configured(self, pod: Obj, container: Obj, csim: ContainerSim,
                               now: float) -> None:
        """Start the container once every Secret and ConfigMap key it references exists; until
        then it waits in CreateContainerConfigError, retried like the kubelet does."""
        error = self._missing_reference(pod, container)
        if error is None:
            self._start(pod, container, csim, now, first=csim.stage == "creating")
            return
        if error != csim.config_error:
            self._event(pod, container, "Warning", "Failed", f"Error: {error}")
        csim.stage, csim.since, csim.config_error = "configerror", now, error

    def _env_from(self, pod: Obj, container: Obj) -> list[tuple[str, Obj, Obj | None]]:
        """(kind, reference, the object or None) for each envFrom Secret and ConfigMap."""
        namespace = pod["metadata"]["namespace"]
        found = []
        for source in container.get("envFrom") or []:
            for ref_field, rt, kind in (("secretRef", R.SECRETS, "secret"),
                                        ("configMapRef", R.CONFIGMAPS, "configmap")):
                ref = source.get(ref_field)
                if ref:
                    found.append((kind, ref, self.ctx.store.get(rt, namespace,
                                                                ref.get("name", ""))))
        return found

    def _missing_reference(self, pod: Obj, container: Obj) -> str | None:
        namespace = pod["metadata"]["namespace"]
        for kind, ref, obj in self._env_from(pod, container):
            if obj is None and not ref.get("optional"):
                return f'{kind} "{ref.get("name")}" not found'
        for env in container.get("env") or []:
            for ref_field, rt, kind, title in (
                    ("secretKeyRef", R.SECRETS, "secret", "Secret"),
                    ("configMapKeyRef", R.CONFIGMAPS, "configmap", "ConfigMap")):
                ref = dig(env, "valueFrom", ref_field)
                if not ref or ref.get("optional"):
                    continue
                found = self.ctx.store.get(rt, namespace, ref.get("name", ""))
                if found is None:
                    return f'{kind} "{ref.get("name")}" not found'
                keys = {**(found.get("data") or {}), **(found.get("binaryData") or {})}
                if ref.get("key") not in keys:
                    return (f"couldn't find key {ref.get('key')} in {title} "
                            f"{namespace}/{ref.get('name')}")
        return None

    def _event(self, pod: Obj, container: Obj, kind: str, reason: str, message: str) -> None:
        self.ctx.event(pod, kind, reason, message, KUBELET, self._field_path(container))

    def _start(self, pod: Obj, container: Obj, csim: ContainerSim, now: float,
               first: bool) -> None:
        if first:
            self._event(pod, container, "Normal", "Pulled", f'Successfully pulled image '
                        f'"{csim.image}" in 412ms (412ms including waiting). Image size: '
                        f'48123456 bytes.')
        else:
            self._event(pod, container, "Normal", "Pulled", f'Container image "{csim.image}" '
                        f"already present on machine")
        self._event(pod, container, "Normal", "Created", f"Created container: {csim.name}")
        self._event(pod, container, "Normal", "Started", f"Started container {csim.name}")
        csim.stage, csim.since, csim.started_at, csim.lines_written = "running", now, now, 0
        key = (pod["metadata"]["uid"], csim.name)
        self.ctx.logs.new_instance(key)
        if buildah.is_build(container):
            lines = self.builds.begin(pod, container, csim, now)
        elif self._is_batch(pod):
            lines = applogs.job_lines(csim.image, csim.behaviour.job_fails)[:1]
        else:
            port = dig(container, "ports", 0, "containerPort")
            lines = applogs.startup_lines(csim.image, csim.name, port)
            if any(e.get("name") == "SANDBOX_PRINT_ENV" and e.get("value") == "1"
                   for e in container.get("env") or []):
                lines = [*lines, *self._environment_lines(pod, container)]
        for line in lines:
            self.ctx.logs.append(key, now, line)
        if csim.behaviour.not_ready:
            self._event(pod, container, "Warning", "Unhealthy",
                        "Readiness probe failed: HTTP probe failed with statuscode: 503")

    def _environment_lines(self, pod: Obj, container: Obj) -> list[str]:
        """What `env` prints in the container (SANDBOX_PRINT_ENV=1: an app that logs its
        configuration): envFrom ConfigMaps and Secrets, then env, as the kubelet resolves them."""
        values: dict[str, str] = {}
        for kind, _, obj in self._env_from(pod, container):
            data = (obj or {}).get("data") or {}
            if kind == "secret":
                data = {key: base64.b64decode(raw).decode(errors="replace")
                        for key, raw in data.items()}
            values.update(data)
        for env in container.get("env") or []:
            if "value" in env:
                values[env["name"]] = str(env["value"])
        return [f"{name}={value}" for name, value in values.items()]

    @staticmethod
    def _is_batch(pod: Obj) -> bool:
        return dig(pod, "spec", "restartPolicy", default="Always") != "Always"

    def _while_running(self, pod: Obj, container: Obj, csim: ContainerSim, now: float) -> None:
        key = (pod["metadata"]["uid"], csim.name)
        delay = self.ctx.config.pod_start_delay
        behaviour = csim.behaviour
        if buildah.is_build(container):
            outcome = self.builds.advance(pod, csim, now)
            if outcome is not None:
                self._terminate(pod, container, csim, now, outcome.exit_code, outcome.reason,
                                outcome.message)
        elif self._is_batch(pod) and now - csim.started_at >= delay:
            failing = behaviour.job_fails or behaviour.crash
            for line in applogs.job_lines(csim.image, failing)[1:]:
                self.ctx.logs.append(key, now, line)
            self._terminate(pod, container, csim, now, 1 if failing else 0,
                            "Error" if failing else "Completed")
        elif (behaviour.crash or behaviour.oom) and now - csim.started_at >= delay:
            for line in applogs.crash_lines(csim.image, behaviour.oom):
                self.ctx.logs.append(key, now, line)
            if behaviour.oom:
                self._terminate(pod, container, csim, now, 137, "OOMKilled")
            else:
                self._terminate(pod, container, csim, now, 1, "Error")
        else:
            due = int((now - csim.started_at) / self.ctx.config.log_interval)
            while csim.lines_written < due:
                csim.lines_written += 1
                self.ctx.logs.append(key, now, applogs.periodic_line(
                    csim.image, now, csim.lines_written))

    def _terminate(self, pod: Obj, container: Obj, csim: ContainerSim, now: float,
                   exit_code: int, reason: str, message: str | None = None) -> None:
        key = (pod["metadata"]["uid"], csim.name)
        self.ctx.logs.finish(key)
        if not message and exit_code and \
                container.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            tail = [line.text for line in (self.ctx.logs.lines(key) or [])[-80:]]
            message = "\n".join(tail)[-2048:] or None
        record = {"exitCode": exit_code, "reason": reason, "startedAt": now_iso(csim.started_at),
                  "finishedAt": now_iso(now), "containerID": self._container_id(pod, csim)}
        if message:
            record["message"] = message
        policy = dig(pod, "spec", "restartPolicy", default="Always")
        restarts = policy == "Always" or (policy == "OnFailure" and exit_code != 0)
        if not restarts:
            csim.stage, csim.terminated = "done", record
            return
        csim.restart_count += 1
        csim.last_terminated = record
        csim.backoff = self.ctx.config.pod_start_delay * 2 ** min(csim.restart_count - 1, 3)
        csim.stage, csim.since = "crashloop", now
        self._event(pod, container, "Warning", "BackOff",
                    failures.crash_backoff_event(csim.name, pod))

    @staticmethod
    def _container_id(pod: Obj, csim: ContainerSim) -> str:
        return "containerd://" + stable_hash(
            [pod["metadata"]["uid"], csim.name, csim.restart_count], 64)

    # -- status ----------------------------------------------------------------------------
    def _container_status(self, pod: Obj, csim: ContainerSim) -> Obj:
        delay = self.ctx.config.pod_start_delay
        status: Obj = {"name": csim.name, "image": csim.image, "imageID": "",
                       "restartCount": csim.restart_count, "ready": False, "started": False,
                       "lastState": {"terminated": csim.last_terminated}
                       if csim.last_terminated else {}}
        if csim.stage == "creating":
            status["state"] = {"waiting": {"reason": "ContainerCreating"}}
        elif csim.stage in ("pullfail", "pullbackoff"):
            reason = "ErrImagePull" if csim.stage == "pullfail" else "ImagePullBackOff"
            message = csim.behaviour.pull_error if csim.stage == "pullfail" else \
                f'Back-off pulling image "{csim.image}"'
            status["state"] = {"waiting": {"reason": reason, "message": message}}
        elif csim.stage == "configerror":
            status["state"] = {"waiting": {"reason": "CreateContainerConfigError",
                                           "message": csim.config_error}}
        elif csim.stage == "crashloop":
            status["state"] = {"waiting": {
                "reason": "CrashLoopBackOff", "message": failures.crash_backoff_message(
                    csim.name, pod, max(10, int(csim.backoff / max(delay, 0.001)) * 10))}}
        elif csim.stage == "done":
            status["state"] = {"terminated": csim.terminated}
        else:
            status["state"] = {"running": {"startedAt": now_iso(csim.started_at)}}
            status["started"] = True
            status["ready"] = not csim.behaviour.not_ready
        if csim.stage not in ("creating", "pullfail", "pullbackoff", "configerror"):
            status["imageID"] = self.builds.image_id(csim.image)
            status["containerID"] = self._container_id(pod, csim)
        return status

    def _pod_status(self, pod: Obj, sim: PodSim) -> Obj:
        statuses = [self._container_status(pod, sim.containers[c["name"]])
                    for c in pod["spec"]["containers"] if c["name"] in sim.containers]
        stages = [c.stage for c in sim.containers.values()]
        if all(s == "done" for s in stages):
            failed = any((c.terminated or {}).get("exitCode") for c in sim.containers.values())
            phase = "Failed" if failed else "Succeeded"
        elif any(s in ("creating", "pullfail", "pullbackoff", "configerror") for s in stages):
            phase = "Pending"
        else:
            phase = "Running"
        not_ready = [s["name"] for s in statuses if not s["ready"]]
        status = dict(pod.get("status") or {})
        conditions = status.get("conditions", [])
        conditions = set_condition(conditions, "PodReadyToStartContainers",
                                   "True" if sim.ip else "False")
        conditions = set_condition(conditions, "Initialized", "True")
        ready_reason = "PodCompleted" if phase in ("Succeeded", "Failed") else "ContainersNotReady"
        ready_message = None if ready_reason == "PodCompleted" else \
            f"containers with unready status: [{' '.join(not_ready)}]"
        for kind in ("Ready", "ContainersReady"):
            conditions = set_condition(conditions, kind, "True") if not not_ready else \
                set_condition(conditions, kind, "False", ready_reason, ready_message)
        conditions = set_condition(conditions, "PodScheduled", "True")
        status.update({"phase": phase, "conditions": conditions, "hostIP": "127.0.0.1",
                       "hostIPs": [{"ip": "127.0.0.1"}], "containerStatuses": statuses,
                       "startTime": status.get("startTime") or now_iso(sim.scheduled_at)})
        if sim.ip:
            status["podIP"], status["podIPs"] = sim.ip, [{"ip": sim.ip}]
        return status

    def container_running(self, pod_uid: str, container: str) -> bool:
        csim = self.sims.get(pod_uid, PodSim("")).containers.get(container)
        return csim is not None and csim.stage == "running"
