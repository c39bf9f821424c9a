"""Workload-level helpers: delete propagation, pods_for, events_for."""

from __future__ import annotations

import pytest

from deployments.cluster import ClusterClient
from tests.cluster.conftest import deployment, pod, wait_for


def replica_sets(cluster: ClusterClient, namespace: str, app: str) -> list[dict]:
    return cluster.list("apps/v1", "ReplicaSet", namespace=namespace, label_selector=f"app={app}")


def test_pods_for_a_deployment(cluster: ClusterClient, namespace: str) -> None:
    web = cluster.apply(deployment("web", namespace, replicas=2)).object
    cluster.apply(pod("bystander", namespace, ["sh", "-c", "sleep 3600"]))
    pods = wait_for(lambda: (found := cluster.pods_for(web)) and len(found) == 2 and found)
    assert all(p["metadata"]["labels"]["app"] == "web" for p in pods)
    assert [p["metadata"]["name"] for p in pods] == sorted(p["metadata"]["name"] for p in pods)
    # The user's manifest (no status, no uid) selects the same pods.
    assert len(cluster.pods_for(deployment("web", namespace, replicas=2))) == 2


def test_pods_for_uses_match_expressions(cluster: ClusterClient, namespace: str) -> None:
    cluster.apply(pod("a", namespace, ["sh", "-c", "sleep 3600"]))
    cluster.apply(pod("b", namespace, ["sh", "-c", "sleep 3600"]))
    workload = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "virtual", "namespace": namespace},
        "spec": {
            "selector": {
                "matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "c"]}]
            }
        },
    }
    assert [p["metadata"]["name"] for p in cluster.pods_for(workload)] == ["a"]


@pytest.mark.parametrize("propagation", ["Foreground", "Background"])
def test_delete_with_propagation_removes_dependents(
    cluster: ClusterClient, namespace: str, propagation: str
) -> None:
    web = cluster.apply(deployment("web", namespace, replicas=2)).object
    wait_for(lambda: len(cluster.pods_for(web)) == 2)
    assert len(replica_sets(cluster, namespace, "web")) == 1

    assert cluster.delete("apps/v1", "Deployment", "web", namespace, propagation=propagation)
    wait_for(lambda: cluster.get("apps/v1", "Deployment", "web", namespace) is None)
    wait_for(lambda: not replica_sets(cluster, namespace, "web"))
    wait_for(lambda: not cluster.pods_for(web))


def test_delete_orphan_keeps_dependents(cluster: ClusterClient, namespace: str) -> None:
    web = cluster.apply(deployment("web", namespace, replicas=1)).object
    wait_for(lambda: len(cluster.pods_for(web)) == 1)
    assert cluster.delete("apps/v1", "Deployment", "web", namespace, propagation="Orphan")
    wait_for(lambda: cluster.get("apps/v1", "Deployment", "web", namespace) is None)
    (orphan,) = replica_sets(cluster, namespace, "web")
    assert not orphan["metadata"].get("ownerReferences")
    assert len(cluster.pods_for(web)) == 1


def test_events_for_a_failing_pod(cluster: ClusterClient, namespace: str) -> None:
    cluster.apply(
        pod(
            "broken",
            namespace,
            ["sh", "-c", "sleep 3600"],
            image="registry.invalid/kubeorch/does-not-exist:1",
        )
    )
    live = wait_for(lambda: cluster.get("v1", "Pod", "broken", namespace))

    def warnings() -> list[dict]:
        events = cluster.events_for(live)
        return [e for e in events if e.get("type") == "Warning"] and events

    events = wait_for(warnings)
    uid = live["metadata"]["uid"]
    assert all(event["involvedObject"]["uid"] == uid for event in events)
    assert any(event["reason"] in ("Failed", "ErrImagePull", "BackOff") for event in events)
    assert {"Scheduled"} <= {event["reason"] for event in events}
    first_scheduled = next(i for i, e in enumerate(events) if e["reason"] == "Scheduled")
    first_warning = next(i for i, e in enumerate(events) if e.get("type") == "Warning")
    assert first_scheduled < first_warning  # oldest first

    # Matching by kind+name (a manifest without uid) finds the same events.
    by_name = cluster.events_for(pod("broken", namespace, ["true"]))
    assert {e["metadata"]["name"] for e in events} <= {e["metadata"]["name"] for e in by_name}


def test_events_for_ignores_other_objects(cluster: ClusterClient, namespace: str) -> None:
    cluster.apply(pod("quiet", namespace, ["sh", "-c", "sleep 3600"]))
    cluster.apply(pod("other", namespace, ["sh", "-c", "sleep 3600"]))
    live = wait_for(lambda: cluster.get("v1", "Pod", "other", namespace))
    wait_for(lambda: cluster.events_for(live))
    quiet = cluster.get("v1", "Pod", "quiet", namespace)
    assert all(e["involvedObject"]["name"] == "quiet" for e in cluster.events_for(quiet))
