"""Shared fixtures: the three personas and API clients that authenticate like automation does.

alice owns a team, bob is a member of it (developer unless a test makes him a viewer), charlie
is an outsider. Every permission test uses all three.
"""

import atexit
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kubeorch.celery import app

# The sandbox cluster fixtures (`sandbox`, `sandbox_namespace`) live beside the sandbox's tests.
pytest_plugins = (
    ["tests.sandbox_fixtures"] if (Path(__file__).parent / "sandbox_fixtures.py").exists() else []
)


def token_client(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def make_user(django_user_model: Any):
    def make(username: str) -> Any:
        return django_user_model.objects.create_user(
            username, f"{username}@example.com", "pw-" + username
        )

    return make


@pytest.fixture
def alice(make_user: Any) -> Any:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Any) -> Any:
    return make_user("bob")


@pytest.fixture
def charlie(make_user: Any) -> Any:
    return make_user("charlie")


@pytest.fixture
def team(alice: Any, bob: Any) -> Any:
    """alice's shared team, with bob as a developer."""
    from workflows.actions.teams import add_member, create_team

    team = create_team(alice, "platform")
    add_member(alice, team, "bob", "developer")
    return team


@pytest.fixture
def as_alice(alice: Any) -> APIClient:
    return token_client(alice)


@pytest.fixture
def as_bob(bob: Any) -> APIClient:
    return token_client(bob)


@pytest.fixture
def as_charlie(charlie: Any) -> APIClient:
    return token_client(charlie)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Personas are created in almost every test; PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_sandbox(sandbox: Any, settings: Any) -> Iterator[Any]:
    """Point the product's `sandbox` clusters at the test session's sandbox cluster, and delete
    the namespaces the test created: the sandbox is shared by the session, and leftovers would
    slow every later test's controllers."""
    from deployments.sandbox import deletion
    from deployments.sandbox import resources as R

    settings.KUBEORCH_SANDBOX_KUBECONFIG = sandbox.kubeconfig_path
    before = {ns["metadata"]["name"] for ns in sandbox.store.list(R.NAMESPACES)[0]}
    yield sandbox
    for namespace in sandbox.store.list(R.NAMESPACES)[0]:
        name = namespace["metadata"]["name"]
        if name not in before and sandbox.api.find(R.NAMESPACES, None, name) is not None:
            deletion.delete(sandbox.api, R.NAMESPACES, None, name)


# --- the run engine: one real Celery worker (threads) for the whole session, over Redis ------


_worker: Any = None


def shared_worker() -> Any:
    """The one Celery worker (threads) of the test process, over the Redis broker.

    Started once and stopped at exit: Celery keeps worker shutdown flags in process-global
    state, so stopping a second in-process worker would stop this one too.
    """
    global _worker
    if _worker is None:
        context = start_worker(app, pool="threads", concurrency=4, perform_ping_check=False,
                               shutdown_timeout=30, loglevel="WARNING")
        _worker = context.__enter__()
        atexit.register(context.__exit__, None, None, None)
    return _worker


@pytest.fixture(scope="session")
def celery_worker_thread() -> Any:
    return shared_worker()


@pytest.fixture
def engine(celery_worker_thread: Any, on_sandbox: Any, settings: Any) -> Any:
    """Fast timings for the engine; returns the sandbox."""
    settings.KUBEORCH_RUN_POLL_SECONDS = 0.2
    settings.KUBEORCH_RUN_DEGRADED_GRACE_SECONDS = 2
    settings.KUBEORCH_RUN_TIMEOUT_SECONDS = 60
    settings.KUBEORCH_RUN_SETTLE_SECONDS = 1.0
    return on_sandbox


@pytest.fixture
def wait_for_run(as_alice: Any) -> Callable[..., dict]:
    def wait(run_id: int, timeout: float = 60, client: Any = None) -> dict:
        client = client or as_alice
        deadline = time.monotonic() + timeout
        while True:
            run = client.get(f"/v1/api/runs/{run_id}").json()
            if run["status"] in ("completed", "failed", "cancelled"):
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {run['status']}"
            time.sleep(0.2)

    return wait


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Browser tests first: their live server (Daphne) is forked from this process, and a fork
    taken while the shared Celery worker's threads and broker connections exist would inherit
    them half-held. Later tests reuse the worker the browser tests started."""
    items.sort(key=lambda item: 0 if "/tests/e2e/" in str(item.path) else 1)
