"""Runs execute in a real Celery worker (threads pool) over the Redis broker, against the
sandbox cluster, so tests see exactly what users see through the API."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from kubeorch.celery import app


@pytest.fixture(scope="session")
def celery_worker_thread() -> Iterator[Any]:
    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ) as worker:
        yield worker


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
