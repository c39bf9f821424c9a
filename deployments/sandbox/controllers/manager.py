"""Runs every simulated controller on one background thread, once per tick (and sooner when
the store changes), each pass under the store lock so controllers see a consistent world."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

from .. import deletion
from .. import resources as R
from ..api import Api
from ..logbook import LogBook
from .base import Context, SimConfig
from .batch import CronJobController, JobController
from .deployments import DeploymentController, ReplicaSetController
from .hpa import HorizontalPodAutoscalerController
from .knative import KnativeServiceController
from .kubelet import Kubelet
from .network import EndpointsController, LoadBalancerController
from .sets import DaemonSetController, StatefulSetController
from .storage import VolumeController
from .ttl import TTLAfterFinishedController


class Housekeeping:
    """Garbage collection by ownerReferences and the per-namespace `default` ServiceAccount."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        deletion.collect_garbage(self.ctx.api)
        active = [ns["metadata"]["name"] for ns in self.ctx.store.scan(R.NAMESPACES)
                  if ns.get("status", {}).get("phase") == "Active"]
        for name in active:
            if self.ctx.store.get(R.SERVICEACCOUNTS, name, "default") is None:
                self.ctx.create(R.SERVICEACCOUNTS, name, {"metadata": {"name": "default"}},
                                "serviceaccount-controller")


class ControllerManager:
    def __init__(self, api: Api, config: SimConfig, logs: LogBook,
                 tick_seconds: float = 0.05, knative: bool = False) -> None:
        self.ctx = Context(api, config, logs)
        self.kubelet = Kubelet(self.ctx)
        self.tick_seconds = tick_seconds
        self._reconcilers: list[Callable[[], None]] = [
            Housekeeping(self.ctx).reconcile,
            DeploymentController(self.ctx).reconcile,
            ReplicaSetController(self.ctx).reconcile,
            StatefulSetController(self.ctx).reconcile,
            DaemonSetController(self.ctx).reconcile,
            CronJobController(self.ctx).reconcile,
            JobController(self.ctx).reconcile,
            TTLAfterFinishedController(self.ctx).reconcile,
            self.kubelet.reconcile,
            VolumeController(self.ctx).reconcile,
            EndpointsController(self.ctx).reconcile,
            LoadBalancerController(self.ctx).reconcile,
            HorizontalPodAutoscalerController(self.ctx).reconcile,
        ]
        if knative:  # before the Deployment controller, which then sees new revisions at once
            self._reconcilers.insert(1, KnativeServiceController(self.ctx).reconcile)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        store = self.ctx.store
        for reconcile in self._reconcilers:
            try:
                with store.lock:
                    reconcile()
            except Exception:
                traceback.print_exc()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.ctx.store.changed.clear()
            started = time.monotonic()
            self.tick()
            elapsed = time.monotonic() - started
            self.ctx.store.changed.wait(self.tick_seconds)
            # Coalesce bursts of changes, and when ticks get long (many objects) leave the
            # store lock to API requests at least as long as the controllers held it.
            self._stop.wait(max(self.tick_seconds / 5, elapsed))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sandbox-controllers",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.ctx.store.changed.set()
        if self._thread:
            self._thread.join(timeout=5)
