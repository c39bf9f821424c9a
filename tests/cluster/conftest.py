"""Fixtures for the cluster adapter tests: the same tests run against the sandbox or a real cluster.

By default `cluster` talks to the sandbox cluster (the session `sandbox` fixture from
tests/sandbox_fixtures.py, or one started here if that plugin is not present). With
KUBEORCH_TEST_KUBECONFIG=/path/to/kubeconfig it talks to that cluster instead; tests that
need the sandbox's fault injection (cut_connections, compact) are then skipped, and tests
marked @pytest.mark.cluster (only meaningful on a real cluster) run.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployments.cluster import ClusterClient, ConnectionSpec, RetryPolicy, connect

REAL_KUBECONFIG_ENV = "KUBEORCH_TEST_KUBECONFIG"
# Pods on a real cluster pull images; the sandbox only simulates, so it is quick.
POD_TIMEOUT = 180.0 if os.environ.get(REAL_KUBECONFIG_ENV) else 30.0
BUSYBOX = "busybox:1.36"


@dataclass
class ClusterTarget:
    kubeconfig: str
    sandbox: Any | None  # the SandboxCluster when testing against the sandbox

    @property
    def is_real(self) -> bool:
        return self.sandbox is None

    def _current(self) -> tuple[dict[str, Any], dict[str, Any]]:
        config = yaml.safe_load(self.kubeconfig)
        context_name = config.get("current-context")
        context = next(c["context"] for c in config["contexts"] if c["name"] == context_name)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        return cluster, user

    @property
    def server_and_token(self) -> tuple[str, str | None]:
        cluster, user = self._current()
        return cluster["server"], user.get("token")

    @property
    def ca_cert(self) -> str | None:
        """The cluster's CA certificate as PEM, if the kubeconfig embeds one."""
        cluster, _ = self._current()
        data = cluster.get("certificate-authority-data")
        return base64.b64decode(data).decode() if data else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(REAL_KUBECONFIG_ENV):
        return
    skip = pytest.mark.skip(reason=f"needs a real cluster: set {REAL_KUBECONFIG_ENV}")
    here = Path(__file__).parent
    for item in items:
        if item.get_closest_marker("cluster") and here in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cluster_target(request: pytest.FixtureRequest) -> Iterator[ClusterTarget]:
    real = os.environ.get(REAL_KUBECONFIG_ENV)
    if real:
        yield ClusterTarget(kubeconfig=Path(real).read_text(), sandbox=None)
        return
    try:
        sandbox = request.getfixturevalue("sandbox")
    except pytest.FixtureLookupError:
        sandbox = None
    if sandbox is not None:
        yield ClusterTarget(kubeconfig=_sandbox_kubeconfig(sandbox), sandbox=sandbox)
        return
    from deployments.sandbox import SandboxCluster

    own = SandboxCluster(port=0, pod_start_delay=0.3).start()
    try:
        yield ClusterTarget(kubeconfig=own.kubeconfig_yaml(), sandbox=own)
    finally:
        own.stop()


def _sandbox_kubeconfig(sandbox: Any) -> str:
    path = getattr(sandbox, "kubeconfig_path", None)
    if path:
        return Path(path).read_text()
    return sandbox.kubeconfig_yaml()


@pytest.fixture(scope="session")
def sandbox_cluster(cluster_target: ClusterTarget) -> Any:
    """The SandboxCluster itself (for fault injection); skips on a real cluster."""
    if cluster_target.is_real:
        pytest.skip("needs the sandbox's fault injection")
    return cluster_target.sandbox


@pytest.fixture
def sandbox_gap(cluster_target: ClusterTarget, request: pytest.FixtureRequest):
    """Mark the test as a known sandbox discrepancy: strict xfail on the sandbox only.

    The test states real Kubernetes behaviour; when the sandbox catches up, the strict
    xfail turns into a failure that says to remove the mark.
    """

    def mark(reason: str) -> None:
        if not cluster_target.is_real:
            request.applymarker(pytest.mark.xfail(reason=f"sandbox gap: {reason}", strict=True))

    return mark


def fast_retries(sleeps: list[float] | None = None) -> RetryPolicy:
    """Retry policy that records its sleeps instead of sleeping (tests stay fast)."""
    recorded = sleeps if sleeps is not None else []
    return RetryPolicy(attempts=5, base=0.01, cap=0.05, sleep=recorded.append)


@pytest.fixture(scope="session")
def cluster(cluster_target: ClusterTarget) -> Iterator[ClusterClient]:
    kind = "kubeconfig" if cluster_target.is_real else "sandbox"
    client = connect(ConnectionSpec(kind=kind, kubeconfig=cluster_target.kubeconfig))
    yield client
    client.close()


@pytest.fixture
def namespace(cluster: ClusterClient) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards."""
    name = f"kubeorch-test-{uuid.uuid4().hex[:8]}"
    cluster.ensure_namespace(name)
    yield name
    cluster.delete("v1", "Namespace", name)


def wait_for[T](
    probe: Callable[[], T | None], *, timeout: float = POD_TIMEOUT, interval: float = 0.1
) -> T:
    """Poll probe until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {probe}")
        time.sleep(interval)


# --- manifests ------------------------------------------------------------------------


def config_map(name: str, namespace: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "data": data or {"key": "value"},
    }


def deployment(
    name: str,
    namespace: str,
    *,
    replicas: int = 1,
    command: list[str] | None = None,
    image: str = BUSYBOX,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            "command": command or ["sh", "-c", "sleep 3600"],
                        }
                    ],
                },
            },
        },
    }


def pod(
    name: str,
    namespace: str,
    command: list[str],
    *,
    image: str = BUSYBOX,
    restart_policy: str = "Always",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "main", "image": image, "command": command}],
        },
    }


def container_state(cluster: ClusterClient, name: str, namespace: str) -> dict[str, Any]:
    live = cluster.get("v1", "Pod", name, namespace) or {}
    statuses = (live.get("status") or {}).get("containerStatuses") or [{}]
    return statuses[0]
