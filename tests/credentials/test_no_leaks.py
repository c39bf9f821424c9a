"""Secret values are never logged and never in an event: deploy and update through the actions,
read the panel in full, and look at every emitted payload and every log record."""

import json
import logging
from typing import Any

import pytest

from deployments.artifacts import actions
from workflows.models import CredentialAccess

pytestmark = pytest.mark.django_db

VALUE = "sk_live_do-not-leak-9f3a"
NEWER = "sk_live_rotated-value-77c1"


def test_values_are_not_in_events_or_logs(alice: Any, as_alice: Any, as_bob: Any,
                                          cluster: Any, settings: Any, tmp_path: Any,
                                          monkeypatch: Any, caplog: Any) -> None:
    settings.KUBEORCH_ARTIFACT_STORE = tmp_path
    emitted: list[tuple] = []

    def record(*args: Any) -> None:
        emitted.append(args)

    monkeypatch.setattr("deployments.artifacts.events.emit", record)
    monkeypatch.setattr("deployments.events.emit", record)
    caplog.set_level(logging.DEBUG)
    # The pipeline is enqueued on commit: the test's transaction never commits, so no worker.
    revision = actions.deploy_artifact(
        alice, cluster, "shop", "shop", "", actions.Options(
            files={"index.html": b"<h1>shop</h1>"}, secrets={"STRIPE_KEY": VALUE}))
    artifact = revision.artifact
    actions.update_artifact(alice, artifact, actions.Options(secrets={"STRIPE_KEY": NEWER}))
    from workflows.actions.environments import set_protection

    set_protection(alice, cluster, "shop", True)
    for client in (as_alice, as_bob):
        response = client.get(f"/api/artifacts/{artifact.pk}/credentials")
        assert response.status_code == 200
    # Nothing serves yet: the newest revision's secrets are the deployment's.
    assert as_alice.get(f"/api/artifacts/{artifact.pk}/credentials").json()["secrets"][0][
        "value"] == NEWER
    assert emitted, "the actions emit events"
    dumped = json.dumps([list(e) for e in emitted], default=str)
    for secret in (VALUE, NEWER):
        assert secret not in dumped
    assert VALUE not in caplog.text and NEWER not in caplog.text
    assert [(r.user.username, r.masked, r.revision) for r in
            CredentialAccess.objects.order_by("id")] == [
        ("alice", False, 2), ("bob", True, 2), ("alice", False, 2)]
