"""Fixtures for the sandbox cluster's own tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from deployments.sandbox import SandboxCluster


@pytest.fixture
def api_client(sandbox: SandboxCluster) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(config_file=str(sandbox.kubeconfig_path))
    yield api
    api.close()


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def apps(api_client: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api_client)


def wait_for(check: Callable[[], Any], timeout: float = 8.0, interval: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (AttributeError, TypeError, KeyError, IndexError, StopIteration, ApiException) \
                as exc:  # the object (or its status) is not there yet
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def deployment(name: str, image: str = "nginx:1.27", replicas: int = 1,
               env: dict[str, str] | None = None, **container: Any) -> dict[str, Any]:
    spec_container: dict[str, Any] = {"name": "app", "image": image, **container}
    if env:
        spec_container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [spec_container]}}},
    }
