"""Executes one run: render, apply in waves, wait for health, prune, finish. Never hangs:
a heartbeat thread holds the run's lease, the health wait has a deadline, and every step checks
for cancellation."""

import contextlib
import logging
import threading
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django_fsm import ConcurrentTransition

from deployments.actions.runs import finish
from deployments.cluster import ClusterClient, ClusterError
from deployments.clusters import client_for
from deployments.engine.observe import SETTLED, observe_nodes
from deployments.engine.prune import prune
from deployments.engine.recorder import RunRecorder
from deployments.health import HealthStatus
from deployments.models import Run, RunStatus
from deployments.run_secrets import SecretValues
from workflows.manifests import InvalidGraphError, RenderedObject, in_waves, render_manifests

log = logging.getLogger(__name__)


class Stop(Exception):
    """The run ended (cancelled, failed, or taken over) and this execution must stop."""


def lease_seconds() -> int:
    return int(getattr(settings, "KUBEORCH_RUN_LEASE_SECONDS", 30))


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


def execute(run_id: int, secret_values: SecretValues | None = None) -> None:
    run = claim(run_id)
    if run is None:
        return
    heartbeat = Heartbeat(run.pk)
    heartbeat.start()
    try:
        Execution(run, secret_values or {}, heartbeat).run()
    except Stop:
        pass
    except Exception as exc:
        log.exception("run %s crashed", run.pk)
        end(run, "fail", f"internal error: {exc.__class__.__name__}: {exc}")
    finally:
        heartbeat.stop()


def end(run: Run, transition: str, error: str = "") -> None:
    """Finish the run unless someone else already did (compare-and-swap)."""
    fresh = Run.objects.select_related("workflow", "version").filter(pk=run.pk).first()
    if fresh is None or fresh.status != RunStatus.RUNNING:  # deleted with its workflow, or done
        return
    with contextlib.suppress(ConcurrentTransition):
        finish(fresh, transition, error)


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
                expires = timezone.now() + timedelta(seconds=lease_seconds())
                held = Run.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
                    lease_expires_at=expires
                )
                if not held:
                    self.lost.set()
                    return
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.halt.set()


class Execution:
    def __init__(self, run: Run, secret_values: SecretValues, heartbeat: Heartbeat):
        self.run_obj = run
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
        for node_id, kind in self.kinds.items():
            self.record.node(node_id, kind, HealthStatus.UNKNOWN, "waiting to be applied")
        self.apply(client, objects)
        self.wait_healthy(client, objects)
        self.prune(client, objects)
        self.record.log(f"run completed: {len(self.kinds)} node(s) healthy")
        end(self.run_obj, "complete")

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
        for obj, result in zip(wave, results, strict=True):
            what = f"{obj.k8s_kind} {obj.namespace}/{obj.name}"
            if isinstance(result, ClusterError):
                failures.append(f"{what}: {result.message}")
                self.record.node(
                    obj.node_id, obj.kind, HealthStatus.DEGRADED, f"apply failed: {result.message}"
                )
                self.record.log(f"{what}: {result.message}", level="error", node_id=obj.node_id)
                continue
            verb = (
                "created" if result.created else ("configured" if result.changed else "unchanged")
            )
            self.record.log(f"{what} {verb}", node_id=obj.node_id)
            self.record.node(obj.node_id, obj.kind, HealthStatus.PROGRESSING, f"applied ({verb})")
        if failures:
            self.fail("apply failed: " + "; ".join(failures))

    def wait_healthy(self, client: ClusterClient, objects: list[RenderedObject]) -> None:
        by_node: dict[str, list[RenderedObject]] = defaultdict(list)
        for obj in objects:
            by_node[obj.node_id].append(obj)
        timeout = run_timeout(self.run_obj.trigger_data)
        deadline = time.monotonic() + timeout
        tracker = SettleTracker(
            grace=float(getattr(settings, "KUBEORCH_RUN_DEGRADED_GRACE_SECONDS", 30)),
            settle=float(getattr(settings, "KUBEORCH_RUN_SETTLE_SECONDS", 5)),
        )
        poll = float(getattr(settings, "KUBEORCH_RUN_POLL_SECONDS", 1.0))
        while True:
            self.checkpoint()
            healths = observe_nodes(client, by_node)
            for node_id, health in healths.items():
                self.record.node(
                    node_id,
                    self.kinds.get(node_id, ""),
                    health.status,
                    health.message,
                    health.details,
                )
            now = time.monotonic()
            verdict = tracker.observe(now, {n: h.status for n, h in healths.items()})
            if verdict == "healthy":
                return
            if verdict:
                self.fail("degraded: " + "; ".join(f"{n}: {healths[n].message}" for n in verdict))
            if now >= deadline:
                waiting = [
                    f"{n} ({h.status}: {h.message})"
                    for n, h in healths.items()
                    if h.status not in SETTLED
                ]
                self.fail(f"timed out after {timeout:.0f}s waiting for " + "; ".join(waiting))
            time.sleep(poll)

    def prune(self, client: ClusterClient, objects: list[RenderedObject]) -> None:
        keep = {(o.k8s_kind, o.namespace, o.name) for o in objects}
        namespaces = {o.namespace for o in objects} | {self.workflow.namespace}
        deleted = self.guard(lambda: prune(client, self.workflow.pk, namespaces, keep), "prune")
        for kind, namespace, name in deleted:
            self.record.log(f"pruned {kind} {namespace}/{name} (no longer in the workflow)")

    # --- control -----------------------------------------------------------------------

    def guard(self, call: Any, doing: str) -> Any:
        try:
            return call()
        except ClusterError as exc:
            self.fail(f"{doing}: {exc.message}")

    def checkpoint(self) -> None:
        """Stop if the run was cancelled, or if it is no longer ours (lease lost)."""
        close_old_connections()
        state = Run.objects.filter(pk=self.run_obj.pk).values("status", "cancel_requested").first()
        if self.heartbeat.lost.is_set() or state is None or state["status"] != RunStatus.RUNNING:
            raise Stop
        if state["cancel_requested"]:
            self.record.log("cancelled by request", level="warning")
            end(self.run_obj, "cancel", "cancelled while running")
            raise Stop

    def fail(self, reason: str) -> None:
        self.record.log(reason, level="error")
        end(self.run_obj, "fail", reason)
        raise Stop


class SettleTracker:
    """Decides when a run's nodes are healthy for real, or failing for real.

    A node must stay settled (healthy/suspended) for `settle` seconds: a crashing container is
    Ready for a moment. A node that went degraded is only forgiven after such a settled stretch,
    so a crash loop (degraded, briefly ready, degraded...) fails after `grace` seconds instead
    of resetting its clock at every restart.
    """

    def __init__(self, grace: float, settle: float):
        self.grace, self.settle = grace, settle
        self.degraded_since: dict[str, float] = {}
        self.settled_since: dict[str, float] = {}
        self.ever_degraded: set[str] = set()

    def observe(self, now: float, statuses: dict[str, str]) -> str | list[str] | None:
        """ "healthy", the node ids that failed, or None to keep waiting."""
        for node_id, status in statuses.items():
            if status in SETTLED:
                self.settled_since.setdefault(node_id, now)
            else:
                self.settled_since.pop(node_id, None)
            if status == HealthStatus.DEGRADED:
                self.degraded_since.setdefault(node_id, now)
                self.ever_degraded.add(node_id)
            elif self._stable(node_id, now):
                self.degraded_since.pop(node_id, None)
        if all(self._stable(node_id, now) for node_id in statuses):
            return "healthy"
        # Only a node degraded right now fails the run: one recovering from a crash loop gets
        # judged at its next degraded observation, and a recovered one is never blamed.
        failed = [
            n
            for n, since in self.degraded_since.items()
            if now - since >= self.grace and statuses.get(n) == HealthStatus.DEGRADED
        ]
        return failed or None

    def _stable(self, node_id: str, now: float) -> bool:
        since = self.settled_since.get(node_id)
        # A node that went degraded during this run must prove itself for the whole grace
        # period: between two OOM kills a container is Ready for longer than `settle`.
        needed = max(self.settle, self.grace) if node_id in self.ever_degraded else self.settle
        return since is not None and now - since >= needed


def run_timeout(trigger_data: dict[str, Any]) -> float:
    default = float(getattr(settings, "KUBEORCH_RUN_TIMEOUT_SECONDS", 300))
    requested = trigger_data.get("timeout_seconds") if isinstance(trigger_data, dict) else None
    if isinstance(requested, int | float) and 5 <= requested <= 3600:
        return float(requested)
    return default
