"""Hypothesis drives artifacts and their revisions through the actions and the transition
authority with every kind of call (updates, rollbacks, cancels, workers' moves to any state,
duplicated and late callbacks) and checks after each step that:

* every change a revision went through is an edge of the table written out below (kept apart
  from the models on purpose: a wrong edge in the models fails here), and final states stay;
* revision numbers are 1..n with no gap, at most one revision runs, and what the artifact
  serves is the running revision;
* the artifact shows its newest revision's state;
* a duplicate callback writes nothing, and a refused one (409/400) writes nothing.
Deployment records and attempts have their own machine in tests/deployment_records.
"""

from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from deployments.artifacts import actions, states
from deployments.models.artifacts import Artifact, ArtifactRevision
from kubeorch.errors import KubeOrchError
from tests.artifacts.conftest import STATIC_SITE

pytestmark = pytest.mark.django_db

REVISION_EDGES = {
    "pending": {"building", "built", "failed", "cancelled"},
    "building": {"built", "failed", "cancelled"},
    "built": {"deploying", "failed", "cancelled"},
    "deploying": {"running", "failed", "cancelled"},
    "running": {"retired"},
}
STATUSES = ["pending", "building", "built", "deploying", "running", "retired", "failed",
            "cancelled"]
names = count()


class ArtifactMachine(RuleBasedStateMachine):
    actor: Any = None
    cluster: Any = None

    @initialize()
    def deploy(self) -> None:
        files = {k: v.encode() for k, v in STATIC_SITE.items()}
        revision = actions.deploy_artifact(self.actor, self.cluster, f"m{next(names)}", "ns",
                                           "", actions.Options(files=files))
        self.artifact_id = revision.artifact_id
        self.seen = self.snapshot()

    def snapshot(self) -> dict[int, str]:
        return dict(ArtifactRevision.objects.filter(artifact_id=self.artifact_id)
                    .values_list("number", "status"))

    def revision(self, number: int) -> ArtifactRevision | None:
        return ArtifactRevision.objects.filter(artifact_id=self.artifact_id,
                                               number=number).first()

    def refused_writes_nothing(self, call: Any) -> None:
        before = self.snapshot()
        try:
            call()
        except KubeOrchError:
            assert self.snapshot() == before, "a refused call wrote"

    @rule(port=st.integers(1000, 9000))
    def update(self, port: int) -> None:
        artifact = Artifact.objects.get(pk=self.artifact_id)
        self.refused_writes_nothing(
            lambda: actions.update_artifact(self.actor, artifact, actions.Options(port=port)))

    @rule(number=st.integers(1, 6), to=st.sampled_from(STATUSES))
    def worker_moves(self, number: int, to: str) -> None:
        """A worker's (possibly late or replayed) report, whatever it claims."""
        revision = self.revision(number)
        if revision is not None:
            self.refused_writes_nothing(lambda: states.move_revision(revision.pk, to))

    @rule(number=st.integers(1, 6))
    def duplicate(self, number: int) -> None:
        revision = self.revision(number)
        if revision is None:
            return
        before = self.snapshot()
        assert not states.move_revision(revision.pk, revision.status).changed
        assert self.snapshot() == before

    @rule()
    def cancel(self) -> None:
        artifact = Artifact.objects.get(pk=self.artifact_id)
        self.refused_writes_nothing(lambda: actions.cancel_artifact(self.actor, artifact))

    @rule(number=st.integers(1, 6))
    def rollback(self, number: int) -> None:
        artifact = Artifact.objects.get(pk=self.artifact_id)
        self.refused_writes_nothing(
            lambda: actions.rollback_artifact(self.actor, artifact, number))

    @invariant()
    def only_edges_of_the_table(self) -> None:
        now = self.snapshot()
        for number, status in now.items():
            before = self.seen.get(number)
            if before is not None and before != status:
                assert status in REVISION_EDGES.get(before, set()), (number, before, status)
        self.seen = now

    @invariant()
    def numbers_serving_and_mirror(self) -> None:
        now = self.snapshot()
        assert sorted(now) == list(range(1, len(now) + 1)), "gap-free numbers"
        running = [n for n, status in now.items() if status == "running"]
        assert len(running) <= 1
        artifact = Artifact.objects.get(pk=self.artifact_id)
        assert artifact.current_revision == len(now)
        if running:
            assert artifact.serving_revision == running[0]
        newest = now[len(now)]
        if newest != "retired":
            assert artifact.status == newest, (artifact.status, now)


def test_no_illegal_revision_state_is_reachable(alice, team, monkeypatch, tmp_path):
    from django.conf import settings as django_settings

    monkeypatch.setattr(django_settings, "KUBEORCH_ARTIFACT_STORE", tmp_path, raising=False)
    monkeypatch.setattr("deployments.artifacts.actions.enqueue", lambda *args: None)
    ArtifactMachine.actor = alice
    ArtifactMachine.cluster = team.clusters.get(name="sandbox")
    run_state_machine_as_test(
        ArtifactMachine,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
