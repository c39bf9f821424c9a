"""A real `celery worker` process for kill -9 tests: on its own queue, on the test database and
the session's sandbox, with the web process's keys and whatever settings the test needs."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def celery_worker_process(queue: str, sandbox: Any, tmp_path: Path,
                          env: dict[str, str]) -> Iterator[subprocess.Popen]:
    sandbox.write_kubeconfig(tmp_path / "sandbox.kubeconfig")
    db = settings.DATABASES["default"]
    full_env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KUBEORCH_DATA_DIR": str(tmp_path),
        # Like any production worker it shares the web process's keys.
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        **env,
    }
    full_env.pop("KUBEORCH_TEST_DB_NAME", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kubeorch", "worker", "--pool", "threads",
         "--concurrency", "2", "-Q", queue, "--loglevel", "WARNING"],
        cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"))
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until predicate holds; returns the seconds it took."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - start
