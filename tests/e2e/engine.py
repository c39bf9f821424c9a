"""The run engine behind a ChannelsLiveServerTestCase: a sandbox cluster and a Celery worker.

Daphne runs in a child process forked by `ChannelsLiveServerTestCase.setUpClass`: it sees the
settings of this process *at fork time*. So the settings are overridden before the fork (the
server reads the sandbox kubeconfig from `KUBEORCH_SANDBOX_KUBECONFIG` on each request, so the
file can be written after), and the sandbox and the worker start after it (forking a process
with their threads running would copy locks held by them). The worker is a thread of this
process consuming the Redis broker that `scripts/with-services` exported; the run engine reads
the fast timings from this process's settings.
"""

import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.test import override_settings

FAST_RUNS = {
    "KUBEORCH_RUN_POLL_SECONDS": 0.2,
    "KUBEORCH_RUN_DEGRADED_GRACE_SECONDS": 2,
    "KUBEORCH_RUN_TIMEOUT_SECONDS": 60,
    "KUBEORCH_RUN_SETTLE_SECONDS": 1.0,
}


class RunEngine:
    """`before_server()` then `after_server()` around the live server's start; `stop()` after."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="kubeorch-e2e-sandbox-"))
        self.kubeconfig = self.directory / "sandbox.kubeconfig"
        self.stack = ExitStack()
        self.sandbox: Any = None

    def before_server(self) -> None:
        overrides = override_settings(KUBEORCH_SANDBOX_KUBECONFIG=self.kubeconfig, **FAST_RUNS)
        overrides.enable()
        self.stack.callback(overrides.disable)

    def after_server(self) -> None:
        from deployments.sandbox import SandboxCluster
        from tests.conftest import shared_worker

        self.sandbox = SandboxCluster(
            pod_start_delay=0.1,
            progress_deadline_scale=0.002,
            bookmark_interval=0.3,
            log_interval=0.2,
        ).start()
        self.stack.callback(self.sandbox.stop)
        self.sandbox.write_kubeconfig(self.kubeconfig)
        # The test process's one worker (see tests/conftest.py): stopping a second in-process
        # worker would stop the session's worker with it.
        shared_worker()

    def stop(self) -> None:
        try:
            self.stack.close()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
