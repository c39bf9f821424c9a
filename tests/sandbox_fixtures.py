"""Pytest plugin: a session-wide sandbox cluster and a fresh namespace per test.

Register with `pytest_plugins = ["tests.sandbox_fixtures"]` in the top-level conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from deployments.sandbox import SandboxCluster
from deployments.sandbox import resources as R


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxCluster]:
    """A started SandboxCluster with short delays; `sandbox.kubeconfig_path` is written."""
    cluster = SandboxCluster(pod_start_delay=0.1, progress_deadline_scale=0.002,
                             bookmark_interval=0.3, log_interval=0.2).start()
    cluster.write_kubeconfig(tmp_path_factory.mktemp("sandbox") / "kubeconfig")
    yield cluster
    cluster.stop()


@pytest.fixture
def sandbox_namespace(sandbox: SandboxCluster) -> Iterator[str]:
    """A new, empty namespace (deleted with its content after the test)."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    sandbox.api.create(R.NAMESPACES, None, {"metadata": {"name": name}}, "pytest")
    yield name
    if sandbox.api.find(R.NAMESPACES, None, name) is not None:
        from deployments.sandbox import deletion

        deletion.delete(sandbox.api, R.NAMESPACES, None, name)


@pytest.fixture(scope="session")
def knative_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxCluster]:
    """A second sandbox that also serves Knative Serving (serving.knative.dev/v1 Service)."""
    cluster = SandboxCluster(pod_start_delay=0.1, progress_deadline_scale=0.002,
                             bookmark_interval=0.3, log_interval=0.2, knative=True).start()
    cluster.write_kubeconfig(tmp_path_factory.mktemp("knative-sandbox") / "kubeconfig")
    yield cluster
    cluster.stop()


@pytest.fixture
def knative_namespace(knative_sandbox: SandboxCluster) -> Iterator[str]:
    """A new, empty namespace in the Knative sandbox (deleted with its content after the test)."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    knative_sandbox.api.create(R.NAMESPACES, None, {"metadata": {"name": name}}, "pytest")
    yield name
    if knative_sandbox.api.find(R.NAMESPACES, None, name) is not None:
        from deployments.sandbox import deletion

        deletion.delete(knative_sandbox.api, R.NAMESPACES, None, name)
