"""Executes one run: render, apply in waves, then hand the health wait to short checks
(deployments.engine.waiting) so the worker is free while pods start. Never hangs: a heartbeat
thread holds the run's lease during the apply, each check renews it, the health wait has a
deadline, and every step checks for cancellation."""

import logging
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_fsm import ConcurrentTransition

from deployments.cluster import ClusterClient, ClusterError
from deployments.clusters import client_for
from deployments.engine import waiting
from deployments.engine.control import Stop, checkpoint, end, fail, lease_seconds, renew_lease
from deployments.engine.recorder import Entry, Log, Node, RunRecorder
from deployments.engine.waiting import SettleTracker
from deployments.health import HealthStatus
from deployments.models import Run, RunStatus
from deployments.run_secrets import SecretValues
from workflows.manifests import InvalidGraphError, RenderedObject, in_waves, render_manifests

log = logging.getLogger(__name__)

__all__ = ["SettleTracker", "Stop", "claim", "end", "execute", "run_timeout"]


def claim(run_id: int) -> Run | None:
    """queued -> running, exactly once even if the task is delivered twice."""
    run = Run.objects.select_related("workflow__cluster", "version").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return None
    run.start()
    run.started_at = timezone.now()
    run.lease_expires_at = run.started_at + timedelta(seconds=lease_seconds())
    try:
        run.save()
    except ConcurrentTransition:
        return None  # another delivery, or a cancel, got there first
    from deployments import run_events

    run_events.run_status_changed(run)
    return run


def execute(
    run_id: int, secret_values: SecretValues | None = None, queue: str | None = None
) -> None:
    """Claim and apply the run, then schedule its health checks on `queue` (the task's own)."""
    run = claim(run_id)
    if run is None:
        return
    heartbeat = Heartbeat(run.pk)
    heartbeat.start()
    try:
        Execution(run, secret_values or {}, heartbeat, queue).run()
    except Stop:
        pass
    except Exception as exc:
        log.exception("run %s crashed", run.pk)
        end(run, "fail", f"internal error: {exc.__class__.__name__}: {exc}")
    finally:
        heartbeat.stop()


class Heartbeat(threading.Thread):
    """Renews the run's lease while this process lives; kill -9 stops it, and the reaper
    then fails the run."""

    def __init__(self, run_id: int):
        super().__init__(daemon=True, name=f"run-{run_id}-lease")
        self.run_id = run_id
        self.halt = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        interval = max(1.0, lease_seconds() / 3)
        try:
            while not self.halt.wait(interval):
                if not renew_lease(self.run_id):
                    self.lost.set()
                    return
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.halt.set()


class Execution:
    def __init__(
        self, run: Run, secret_values: SecretValues, heartbeat: Heartbeat, queue: str | None
    ):
        self.run_obj = run
        self.queue = queue
        self.workflow = run.workflow
        self.version = run.version
        self.secret_values = secret_values
        self.heartbeat = heartbeat
        self.record = RunRecorder(run)
        self.kinds = {n["id"]: n.get("type", "") for n in self.version.nodes}

    def run(self) -> None:
        cluster = self.workflow.cluster
        self.record.log(
            f"applying version {self.version.number} of {self.workflow.name!r} "
            f"to cluster {cluster.name if cluster else '-'} "
            f"(namespace {self.workflow.namespace})"
        )
        objects = self.render()
        client = self.connect()
        self.record.write(
            Node(node_id, kind, HealthStatus.UNKNOWN, "waiting to be applied")
            for node_id, kind in self.kinds.items()
        )
        self.apply(client, objects)
        namespaces = {o.namespace for o in objects} | {self.workflow.namespace}
        state = waiting.new_state(
            objects, self.kinds, namespaces, run_timeout(self.run_obj.trigger_data)
        )
        # The first look right away, in this task; the next ones are tasks of their own.
        self.checkpoint()
        waiting.check(self.run_obj, self.record, state, self.queue)

    # --- steps -------------------------------------------------------------------------

    def render(self) -> list[RenderedObject]:
        try:
            return render_manifests(
                self.version.nodes,
                self.version.edges,
                workflow_id=self.workflow.pk,
                namespace=self.workflow.namespace,
                secret_values=self.secret_values,
            )
        except InvalidGraphError as exc:
            problems = "; ".join(f"{e.path}: {e.message}" for e in exc.errors[:5])
            self.fail(f"version {self.version.number} is invalid: {problems}")
            raise AssertionError("unreachable") from exc

    def connect(self) -> ClusterClient:
        try:
            assert self.workflow.cluster is not None
            return client_for(self.workflow.cluster)
        except ClusterError as exc:
            self.fail(f"cannot connect to the cluster: {exc.message}")
            raise AssertionError("unreachable") from exc

    def apply(self, client: ClusterClient, objects: list[RenderedObject]) -> None:
        for namespace in sorted({o.namespace for o in objects}):
            self.checkpoint()
            self.guard(lambda ns=namespace: client.ensure_namespace(ns), f"namespace {namespace}")
        for index, wave in enumerate(in_waves(objects)):
            self.checkpoint()
            self.apply_wave(client, index, wave)

    def apply_wave(self, client: ClusterClient, index: int, wave: list[RenderedObject]) -> None:
        self.record.log(f"wave {index + 1}: applying {len(wave)} object(s)")
        results = client.apply_many([o.manifest for o in wave], concurrency=8, return_errors=True)
        failures = []
        entries: list[Entry] = []
        for obj, result in zip(wave, results, strict=True):
            what = f"{obj.k8s_kind} {obj.namespace}/{obj.name}"
            if isinstance(result, ClusterError):
                failures.append(f"{what}: {result.message}")
                entries += [
                    Node(obj.node_id, obj.kind, HealthStatus.DEGRADED,
                         f"apply failed: {result.message}"),
                    Log(f"{what}: {result.message}", level="error", node_id=obj.node_id),
                ]
                continue
            verb = (
                "created" if result.created else ("configured" if result.changed else "unchanged")
            )
            entries += [
                Log(f"{what} {verb}", node_id=obj.node_id),
                Node(obj.node_id, obj.kind, HealthStatus.PROGRESSING, f"applied ({verb})"),
            ]
        self.record.write(entries)
        if failures:
            self.fail("apply failed: " + "; ".join(failures))

    # --- control -----------------------------------------------------------------------

    def guard(self, call: Any, doing: str) -> Any:
        try:
            return call()
        except ClusterError as exc:
            self.fail(f"{doing}: {exc.message}")

    def checkpoint(self) -> None:
        """Stop if the run was cancelled, or if it is no longer ours (lease lost)."""
        checkpoint(self.run_obj, self.record, lease_lost=self.heartbeat.lost.is_set())

    def fail(self, reason: str) -> None:
        fail(self.run_obj, self.record, reason)


def run_timeout(trigger_data: dict[str, Any]) -> float:
    default = float(getattr(settings, "KUBEORCH_RUN_TIMEOUT_SECONDS", 300))
    requested = trigger_data.get("timeout_seconds") if isinstance(trigger_data, dict) else None
    if isinstance(requested, int | float) and 5 <= requested <= 3600:
        return float(requested)
    return default
