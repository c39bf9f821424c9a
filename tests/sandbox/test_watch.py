# The typed kubernetes models make every field Optional and want model objects where the
# API accepts plain dicts; these tests read fields the sandbox has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""Watch semantics: event types, resume after a dropped connection, 410 after compaction."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from deployments.sandbox import SandboxCluster


def _collect(stream: Any, count: int) -> list[tuple[str, str]]:
    seen = []
    for event in stream:
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) >= count:
            break
    return seen


def test_watch_sees_added_modified_deleted(core: client.CoreV1Api,
                                           sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "w"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("w", ns, {"data": {"a": "2"}})
    core.delete_namespaced_config_map("w", ns)
    stream = watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=start,
                                  timeout_seconds=5)
    assert _collect(stream, 3) == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_watch_without_resource_version_lists_then_follows(core: client.CoreV1Api,
                                                           sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    core.create_namespaced_config_map(ns, {"metadata": {"name": "existing"}})
    w = watch.Watch()
    events: list[tuple[str, str]] = []

    def follow() -> None:
        for event in w.stream(core.list_namespaced_config_map, ns, timeout_seconds=5):
            events.append((event["type"], event["object"].metadata.name))
            if len(events) == 2:
                break

    thread = threading.Thread(target=follow)
    thread.start()
    while not events:
        threading.Event().wait(0.02)
    core.create_namespaced_config_map(ns, {"metadata": {"name": "later"}})
    thread.join(5)
    assert events == [("ADDED", "existing"), ("ADDED", "later")]


def test_watch_resumes_after_cut_without_missing_events(core: client.CoreV1Api,
                                                        sandbox: SandboxCluster,
                                                        sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    w = watch.Watch()
    seen: list[str] = []
    last_rv = start
    stream = w.stream(core.list_namespaced_config_map, ns, resource_version=start,
                      timeout_seconds=5)
    core.create_namespaced_config_map(ns, {"metadata": {"name": "before-cut"}})
    for event in stream:
        seen.append(event["object"].metadata.name)
        last_rv = event["object"].metadata.resource_version
        break
    sandbox.cut_connections()
    w.stop()
    for name in ("during-1", "during-2"):  # written while nobody is watching
        core.create_namespaced_config_map(ns, {"metadata": {"name": name}})
    resumed = watch.Watch().stream(core.list_namespaced_config_map, ns,
                                   resource_version=last_rv, timeout_seconds=5)
    seen += [name for _, name in _collect(resumed, 2)]
    assert seen == ["before-cut", "during-1", "during-2"]


def test_cut_connections_ends_an_open_watch(core: client.CoreV1Api, sandbox: SandboxCluster,
                                            sandbox_namespace: str) -> None:
    ended = threading.Event()

    def follow() -> None:
        rv = core.list_namespaced_config_map(sandbox_namespace).metadata.resource_version
        response = core.list_namespaced_config_map(sandbox_namespace, watch=True,
                                                   resource_version=rv, timeout_seconds=30,
                                                   _preload_content=False)
        try:
            for _ in response.stream():
                pass
        except Exception:
            pass
        ended.set()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    threading.Event().wait(0.3)
    sandbox.cut_connections()
    assert ended.wait(5)


def test_compacted_resource_version_raises_410(core: client.CoreV1Api, sandbox: SandboxCluster,
                                               sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    old = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "after"}})
    sandbox.compact()
    with pytest.raises(ApiException) as gone:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, ns,
                                      resource_version=old):
            pass
    assert gone.value.status == 410
    assert "Expired" in gone.value.reason


def test_bookmarks_carry_the_current_resource_version(core: client.CoreV1Api,
                                                      sandbox_namespace: str) -> None:
    rv = core.list_namespaced_config_map(sandbox_namespace).metadata.resource_version
    response = core.list_namespaced_config_map(
        sandbox_namespace, watch=True, resource_version=rv, allow_watch_bookmarks=True,
        timeout_seconds=2, _preload_content=False)
    first = json.loads(next(iter(response.stream())).splitlines()[0])
    response.close()
    assert first["type"] == "BOOKMARK"
    assert int(first["object"]["metadata"]["resourceVersion"]) >= int(rv)


def test_watch_with_label_selector_filters(core: client.CoreV1Api,
                                           sandbox_namespace: str) -> None:
    ns = sandbox_namespace
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "skip"}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "keep", "labels": {"k": "1"}}})
    stream = watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=rv,
                                  label_selector="k=1", timeout_seconds=3)
    assert _collect(stream, 1) == [("ADDED", "keep")]
