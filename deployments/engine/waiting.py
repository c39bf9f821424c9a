"""Waiting for health without holding a worker.

After the apply, a run is judged by short checks: each one re-reads the run, renews its lease,
looks at every node once, records what changed, and either finishes the run (prune, then
complete; or fail) or schedules the next check as a Celery task on the same queue:
`KUBEORCH_RUN_POLL_SECONDS` after a change, backing off to `KUBEORCH_RUN_POLL_MAX_SECONDS` while
nothing changes, and never later than the next moment a verdict is due. Between checks the
worker runs other work (other runs' applies), so runs that wait for pods no longer queue the runs
behind them.

The rules are those of a blocking wait: the settle window and the degraded grace (SettleTracker,
its clocks carried from check to check), the run's timeout, cancellation at every check, and the
lease: a check renews it, so when no check comes (the worker died, the broker lost the message)
the lease expires and the reaper fails the run as "worker lost".
"""

import logging
import time
from collections import defaultdict
from typing import Any

from django.conf import settings

from deployments.cluster import ClusterClient, ClusterError
from deployments.clusters import client_for
from deployments.engine.control import Stop, checkpoint, end, fail, renew_lease
from deployments.engine.observe import SETTLED
from deployments.engine.prune import prune
from deployments.engine.recorder import Node, RunRecorder
from deployments.engine.snapshot import observe_nodes_listed
from deployments.health import HealthStatus
from deployments.models import Run, RunStatus
from workflows.manifests import RenderedObject

log = logging.getLogger(__name__)

State = dict[str, Any]  # JSON: it travels in the check task's arguments


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

    def dump(self) -> dict[str, Any]:
        return {
            "degraded_since": self.degraded_since,
            "settled_since": self.settled_since,
            "ever_degraded": sorted(self.ever_degraded),
        }

    @classmethod
    def load(cls, data: dict[str, Any], grace: float, settle: float) -> "SettleTracker":
        tracker = cls(grace, settle)
        tracker.degraded_since = dict(data.get("degraded_since") or {})
        tracker.settled_since = dict(data.get("settled_since") or {})
        tracker.ever_degraded = set(data.get("ever_degraded") or ())
        return tracker

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

    def next_decision(self, now: float) -> float | None:
        """When a verdict could next change with nothing else changing: a settled node becomes
        stable, or a degraded one runs out of grace."""
        times = [
            since + (max(self.settle, self.grace) if n in self.ever_degraded else self.settle)
            for n, since in self.settled_since.items()
        ] + [since + self.grace for since in self.degraded_since.values()]
        future = [t for t in times if t > now]
        return min(future) if future else None

    def _stable(self, node_id: str, now: float) -> bool:
        since = self.settled_since.get(node_id)
        # A node that went degraded during this run must prove itself for the whole grace
        # period: between two OOM kills a container is Ready for longer than `settle`.
        needed = max(self.settle, self.grace) if node_id in self.ever_degraded else self.settle
        return since is not None and now - since >= needed


def _timing(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def new_state(
    objects: list[RenderedObject], kinds: dict[str, str], namespaces: set[str], timeout: float
) -> State:
    """What the checks need, without secrets: which objects make each node, and the clocks."""
    return {
        "objects": [
            [o.node_id, o.kind, o.api_version, o.k8s_kind, o.name, o.namespace] for o in objects
        ],
        "kinds": kinds,
        "namespaces": sorted(namespaces),
        "timeout": timeout,
        "deadline": time.time() + timeout,  # wall clock: the checks run in any worker process
        "tracker": {},
    }


def _objects(state: State) -> list[RenderedObject]:
    return [
        RenderedObject(
            node_id,
            kind,
            {
                "apiVersion": api_version,
                "kind": k8s_kind,
                "metadata": {"name": name, "namespace": namespace},
            },
        )
        for node_id, kind, api_version, k8s_kind, name, namespace in state["objects"]
    ]


def resume(run_id: int, state: State, queue: str | None) -> None:
    """One check (the `deployments.watch_run` task): re-read, renew the lease, look, decide."""
    run = Run.objects.select_related("workflow__cluster", "version").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or not renew_lease(run_id):
        return  # finished, cancelled, reaped or deleted meanwhile: nothing left to do
    record = RunRecorder(run)
    try:
        check(run, record, state, queue)
    except Stop:
        pass
    except Exception as exc:
        log.exception("run %s crashed while waiting for health", run.pk)
        end(run, "fail", f"internal error: {exc.__class__.__name__}: {exc}")


def check(run: Run, record: RunRecorder, state: State, queue: str | None) -> None:
    """Look at every node once; finish the run, or schedule the next check."""
    checkpoint(run, record)
    client = _client(run, record)
    by_node: dict[str, list[RenderedObject]] = defaultdict(list)
    for obj in _objects(state):
        by_node[obj.node_id].append(obj)
    healths = observe_nodes_listed(client, by_node)
    kinds = state["kinds"]
    changed = record.write(
        Node(node_id, kinds.get(node_id, ""), health.status, health.message, health.details)
        for node_id, health in healths.items()
    )
    tracker = SettleTracker.load(
        state["tracker"],
        grace=_timing("KUBEORCH_RUN_DEGRADED_GRACE_SECONDS", 30),
        settle=_timing("KUBEORCH_RUN_SETTLE_SECONDS", 5),
    )
    now = time.time()
    verdict = tracker.observe(now, {n: h.status for n, h in healths.items()})
    if verdict == "healthy":
        _prune(run, record, client, state)
        record.log(f"run completed: {len(kinds)} node(s) healthy")
        end(run, "complete")
        return
    if verdict:
        fail(run, record, "degraded: " + "; ".join(f"{n}: {healths[n].message}" for n in verdict))
    if now >= state["deadline"]:
        waiting = [
            f"{n} ({h.status}: {h.message})" for n, h in healths.items() if h.status not in SETTLED
        ]
        fail(
            run,
            record,
            f"timed out after {state['timeout']:.0f}s waiting for " + "; ".join(waiting),
        )
    state["tracker"] = tracker.dump()
    state["quiet"] = 0 if changed else state.get("quiet", 0) + 1
    due = min(t for t in (tracker.next_decision(now), state["deadline"]) if t is not None)
    schedule(run.pk, state, queue, next_delay(state["quiet"], due - now))


def next_delay(quiet: int, until_due: float) -> float:
    """The poll interval after a change, doubling with each quiet check up to the maximum, but
    never past the next moment a verdict is due (settle window, grace, deadline): backing off
    delays noticing a change, never a decision. Runs waiting on slow pods cost a check every
    few seconds instead of five a second."""
    poll = _timing("KUBEORCH_RUN_POLL_SECONDS", 1.0)
    longest = max(poll, _timing("KUBEORCH_RUN_POLL_MAX_SECONDS", 2.0))
    backoff = min(poll * 2 ** min(quiet, 16), longest)
    return max(poll, min(backoff, until_due))


def schedule(run_id: int, state: State, queue: str | None, delay: float) -> None:
    from deployments.tasks import watch_run

    options: dict[str, Any] = {"countdown": delay}
    if queue:
        options["queue"] = queue  # the worker that took the run (tests pin runs to a queue)
    watch_run.apply_async(args=[run_id, state], **options)


def _client(run: Run, record: RunRecorder) -> ClusterClient:
    try:
        assert run.workflow.cluster is not None
        return client_for(run.workflow.cluster)
    except ClusterError as exc:
        fail(run, record, f"cannot connect to the cluster: {exc.message}")
        raise AssertionError("unreachable") from exc


def _prune(run: Run, record: RunRecorder, client: ClusterClient, state: State) -> None:
    keep = {(o.k8s_kind, o.namespace, o.name) for o in _objects(state)}
    namespaces = set(state["namespaces"]) | {run.workflow.namespace}
    try:
        deleted = prune(client, run.workflow.pk, namespaces, keep)
    except ClusterError as exc:
        fail(run, record, f"prune: {exc.message}")
        raise AssertionError("unreachable") from exc
    for kind, namespace, name in deleted:
        record.log(f"pruned {kind} {namespace}/{name} (no longer in the workflow)")
