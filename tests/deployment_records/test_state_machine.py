"""Hypothesis drives the transition authority with every kind of call, including duplicated,
stale and replayed (late) callbacks, and checks after each step that:

* every change any record went through is an edge of the table written out below (kept apart
  from the models on purpose: a wrong edge in the models fails here);
* nothing ever moves backwards (status rank, phase, version, attempt rank);
* the database invariants hold: one in-progress and one active deployment per (target,
  cluster), one open attempt per deployment, none once the deployment ended, and an active
  deployment has a version and a ready latest attempt;
* a refused call (409/400) wrote nothing; a duplicate wrote nothing.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from deployments.models import Attempt, Deployment
from deployments.records import (
    begin_deployment,
    expire_leases,
    new_attempt,
    transition_attempt,
    transition_deployment,
)
from kubeorch.errors import KubeOrchError

pytestmark = pytest.mark.django_db

DEPLOYMENT_EDGES = {
    "in_progress": {"active", "failed", "cancelled"},
    "active": {"succeeded", "rolled_back", "failed"},
}
ATTEMPT_EDGES = {
    "pending": {"deploying", "failed"},
    "deploying": {"ready", "failed", "unknown"},
    "unknown": {"ready", "failed"},
}
DEPLOYMENT_RANK = {"in_progress": 0, "active": 1, "succeeded": 2, "failed": 2, "cancelled": 2,
                   "rolled_back": 2}
ATTEMPT_RANK = {"pending": 0, "deploying": 1, "unknown": 2, "ready": 3, "failed": 3}
PHASES = ["preparing", "building", "pushing", "activating"]
OPEN = {"pending", "deploying", "unknown"}

statuses = st.sampled_from([*DEPLOYMENT_RANK, None])
attempt_statuses = st.sampled_from(list(ATTEMPT_RANK))
maybe_attempt_status = st.sampled_from([*ATTEMPT_RANK, None])


def snapshot() -> dict[tuple[str, int], tuple]:
    state: dict[tuple[str, int], tuple] = {}
    for d in Deployment.objects.all():
        state["deployment", d.pk] = (d.status, d.phase, d.version)
    for a in Attempt.objects.all():
        state["attempt", a.pk] = (a.status, a.worker_id)
    return state


# (record, status) pairs any example reached: the run must not be vacuous.
REACHED: set[tuple[str, str]] = set()


class RecordMachine(RuleBasedStateMachine):
    cluster: Any = None
    actor: Any = None

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: examples never see each
        # other's rows, and the test's own transaction stays clean.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.deployments: list[int] = []
        self.sent: list[tuple[str, tuple, dict]] = []
        self.before = snapshot()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- calls ------------------------------------------------------------------------

    def call(self, kind: str, args: tuple, kwargs: dict) -> None:
        functions = {"deployment": transition_deployment, "attempt": transition_attempt}
        before = snapshot()
        try:
            outcome = functions[kind](*args, **kwargs)
        except Attempt.DoesNotExist:
            assert snapshot() == before
            return
        except KubeOrchError:
            assert snapshot() == before, "a refused call wrote nothing"
            return
        if not outcome.changed:
            assert snapshot() == before, "a duplicate wrote nothing"
        self.sent.append((kind, args, kwargs))

    @initialize()
    def first(self) -> None:
        self.begin("artifact:1", None)

    @rule(name=st.sampled_from(["artifact:1", "artifact:2"]),
          version=st.sampled_from([None, "1"]))
    def begin(self, name: str, version: str | None) -> None:
        before = snapshot()
        try:
            deployment = begin_deployment(self.actor, self.cluster, name, "ns", version)
        except KubeOrchError as exc:
            assert exc.code == "attempt_in_progress"
            holder = Deployment.objects.get(pk=exc.extra["holder"]["id"])
            assert holder.status == "in_progress" and holder.target == name
            assert snapshot() == before, "the loser leaves no record"
            return
        self.deployments.append(deployment.pk)

    @precondition(lambda self: self.deployments)
    @rule(data=st.data(), to=statuses, phase=st.sampled_from([*PHASES, None]),
          version=st.sampled_from([None, "1", "2"]), expected=statuses)
    def move_deployment(self, data: Any, to: Any, phase: Any, version: Any, expected: Any) -> None:
        pk = data.draw(st.sampled_from(self.deployments))
        if to is None and phase is None and version is None:
            to = "active"
        self.call("deployment", (pk, to),
                  {"phase": phase, "version": version, "expected_from": expected})

    @precondition(lambda self: self.deployments)
    @rule(data=st.data(), number=st.integers(1, 3), to=attempt_statuses,
          expected=maybe_attempt_status, worker=st.sampled_from(["", "w1", "w2"]))
    def move_attempt(self, data: Any, number: int, to: str, expected: Any, worker: str) -> None:
        pk = data.draw(st.sampled_from(self.deployments))
        self.call("attempt", (pk, number, to), {"expected_from": expected, "worker_id": worker})

    @precondition(lambda self: self.deployments)
    @rule(data=st.data(), end=st.sampled_from(["succeeded", "rolled_back", "failed"]))
    def progress(self, data: Any, end: str) -> None:
        """The next step a well-behaved worker and pipeline would take: random calls alone
        rarely line up a whole rollout."""
        pk = data.draw(st.sampled_from(self.deployments))
        deployment = Deployment.objects.get(pk=pk)
        latest = deployment.attempts.order_by("-number").first()
        if deployment.status == "active":
            self.call("deployment", (pk, end), {})
        elif latest is not None and latest.status == "pending":
            self.call("attempt", (pk, latest.number, "deploying"), {"worker_id": "w1"})
        elif latest is not None and latest.status in ("deploying", "unknown"):
            self.call("attempt", (pk, latest.number, "ready"), {"worker_id": latest.worker_id})
        elif deployment.status == "in_progress":
            self.call("deployment", (pk, "active"), {"version": deployment.version or "1"})

    @precondition(lambda self: self.deployments)
    @rule(data=st.data(), to=st.sampled_from(["cancelled", "failed"]))
    def stop(self, data: Any, to: str) -> None:
        """A user cancels, or the pipeline gives up on, an in-progress deployment."""
        pk = data.draw(st.sampled_from(self.deployments))
        self.call("deployment", (pk, to), {"expected_from": "in_progress", "error": "stopped"})

    @precondition(lambda self: self.deployments)
    @rule(data=st.data())
    def retry(self, data: Any) -> None:
        pk = data.draw(st.sampled_from(self.deployments))
        before = snapshot()
        try:
            new_attempt(self.actor, Deployment.objects.get(pk=pk))
        except KubeOrchError:
            assert snapshot() == before

    @rule()
    def leases_expire(self) -> None:
        expire_leases(now=timezone.now() + timedelta(days=1))

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def replay(self, data: Any) -> None:
        """A late or duplicated callback: something already sent arrives again."""
        kind, args, kwargs = data.draw(st.sampled_from(self.sent))
        self.call(kind, args, kwargs)

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def every_change_is_a_legal_forward_edge(self) -> None:
        after = snapshot()
        for key, now in after.items():
            was = self.before.get(key)
            if was is None or was == now:
                continue
            if key[0] == "deployment":
                check_deployment_move(was, now)
            else:
                check_attempt_move(was, now)
        assert set(self.before) <= set(after), "records are never deleted"
        self.before = after
        REACHED.update((key[0], now[0]) for key, now in after.items())

    @invariant()
    def database_invariants_hold(self) -> None:
        in_progress: set[tuple] = set()
        active: set[tuple] = set()
        for d in Deployment.objects.prefetch_related("attempts"):
            pair = (d.target, d.cluster_id)
            attempts = sorted(d.attempts.all(), key=lambda a: a.number)
            open_ = [a for a in attempts if a.status in OPEN]
            assert len(open_) <= 1
            if d.status == "in_progress":
                assert pair not in in_progress
                in_progress.add(pair)
            else:
                assert not open_, f"{d} ended with an open attempt"
            if d.status == "active":
                assert pair not in active
                active.add(pair)
                assert d.version is not None and attempts[-1].status == "ready"
                assert d.phase == "activating"


def check_deployment_move(was: tuple, now: tuple) -> None:
    (status, phase, version), (status2, phase2, version2) = was, now
    if status2 != status:
        assert status2 in DEPLOYMENT_EDGES.get(status, set()), (was, now)
    assert DEPLOYMENT_RANK[status2] >= DEPLOYMENT_RANK[status]
    assert PHASES.index(phase2) >= PHASES.index(phase), (was, now)
    if phase2 != phase:
        assert status == "in_progress", "phases move only while in progress"
    assert version is None or version2 == version, "a version is never replaced"


def check_attempt_move(was: tuple, now: tuple) -> None:
    (status, worker), (status2, worker2) = was, now
    assert status2 in ATTEMPT_EDGES.get(status, set()), (was, now)
    assert ATTEMPT_RANK[status2] > ATTEMPT_RANK[status]
    assert not worker or worker2 == worker, "an attempt never changes hands"


def test_no_illegal_state_is_reachable_and_callbacks_never_regress(alice, team):
    RecordMachine.actor = alice
    RecordMachine.cluster = team.clusters.get(name="sandbox")
    run_state_machine_as_test(
        RecordMachine,
        settings=settings(
            max_examples=80, stateful_step_count=40, deadline=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # Not vacuous: every attempt state, a live deployment and several endings were reached
    # (which endings varies with the walk; each is also covered by tests/deployment_records).
    required = {("deployment", "in_progress"), ("deployment", "active")} | {
        ("attempt", s) for s in ATTEMPT_RANK
    }
    assert required <= REACHED, f"never reached: {required - REACHED}"
    endings = {s for record, s in REACHED if record == "deployment" and DEPLOYMENT_RANK[s] == 2}
    assert len(endings) >= 3, endings
