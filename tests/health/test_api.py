"""Entry point behaviour: missing objects, dispatch, passive kinds, kstatus fallback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deployments.health import Health, HealthOptions, HealthStatus, assess
from deployments.health.registry import register, registered_kinds

from . import k8s

H, P, D, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
)


def test_missing_object() -> None:
    health = assess(None)
    assert health == Health(HealthStatus.MISSING, "not found in the cluster", {})


def test_status_values_are_the_public_strings() -> None:
    assert [s.value for s in HealthStatus] == [
        "healthy",
        "progressing",
        "degraded",
        "missing",
        "suspended",
        "unknown",
    ]
    assert HealthOptions() == HealthOptions(
        ingress_requires_address=True, service_lb_requires_address=True
    )


def test_not_an_object_is_unknown() -> None:
    assert assess({"metadata": {"name": "x"}}).status is U


def test_malformed_fields_read_as_absent() -> None:
    broken = k8s.deployment(3)
    broken["metadata"]["annotations"] = ["not", "a", "map"]
    broken["status"]["conditions"] = "garbage"
    health = assess(broken)
    assert health.status is H
    assert health.details["revision"] is None
    assert assess(k8s.simple("Deployment", "apps/v1", spec=None, status=None)).status is P


def test_assessor_crash_becomes_unknown() -> None:
    @register("Exploding", "test.kubeorch.io")
    def explode(obj: Any, ctx: Any) -> Health:
        raise KeyError("spec")

    health = assess(k8s.simple("Exploding", "test.kubeorch.io/v1"))
    assert health.status is U
    assert "could not assess Exploding" in health.message


def test_deletion_in_progress_names_the_finalizers() -> None:
    obj = k8s.pvc()
    obj["metadata"]["deletionTimestamp"] = k8s.NOW
    health = assess(obj)
    assert health.status is P
    assert health.message == "being deleted, waiting for finalizers: kubernetes.io/pvc-protection"


PASSIVE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "configmap",
        k8s.simple("ConfigMap", data={"a.conf": "x", "b": "y"}, binaryData={"c.bin": "AA=="}),
        {"keys": 3, "key_names": ["a.conf", "b", "c.bin"]},
    ),
    (
        "secret",
        k8s.simple(
            "Secret", type="kubernetes.io/tls", data={"tls.crt": "LS0t", "tls.key": "c2VjcmV0"}
        ),
        {"keys": 2, "type": "kubernetes.io/tls"},
    ),
    (
        "service account",
        k8s.simple("ServiceAccount", imagePullSecrets=[{"name": "regcred"}]),
        {"image_pull_secrets": 1},
    ),
    (
        "network policy",
        k8s.simple(
            "NetworkPolicy",
            "networking.k8s.io/v1",
            spec={
                "podSelector": {"matchLabels": {"app": "db"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
            },
        ),
        {"policy_types": ["Ingress"], "ingress_rules": 1, "pod_selector": {"app": "db"}},
    ),
    (
        "role binding",
        k8s.simple(
            "RoleBinding",
            "rbac.authorization.k8s.io/v1",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            subjects=[{"kind": "ServiceAccount", "name": "web"}],
        ),
        {"role": "Role/reader", "subjects": 1},
    ),
]


@pytest.mark.parametrize(
    ("obj", "expected_details"),
    [case[1:] for case in PASSIVE_CASES],
    ids=[case[0] for case in PASSIVE_CASES],
)
def test_passive_kinds_are_healthy_when_present(
    obj: dict[str, Any], expected_details: dict[str, Any]
) -> None:
    health = assess(obj)
    assert health.status is H
    assert expected_details.items() <= health.details.items()


def test_secret_values_and_key_names_never_leak() -> None:
    secret = k8s.simple(
        "Secret", data={"DB_PASSWORD": "aHVudGVyMg=="}, stringData={"API_TOKEN": "plain-secret"}
    )
    dumped = json.dumps(assess(secret).to_dict())
    for leaked in ("aHVudGVyMg==", "plain-secret", "DB_PASSWORD", "API_TOKEN"):
        assert leaked not in dumped


def _custom(
    conditions: list[dict[str, Any]] | None = None, generation: int = 1, observed: int | None = 1
) -> dict[str, Any]:
    status: dict[str, Any] = {"conditions": conditions or []}
    if observed is not None:
        status["observedGeneration"] = observed
    obj = k8s.simple("Certificate", "cert-manager.io/v1", spec={}, status=status)
    obj["metadata"]["generation"] = generation
    return obj


GENERIC_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    (
        "ready",
        _custom([k8s.condition("Ready", "True", "Ready", "Certificate is up to date")]),
        H,
        "Certificate is up to date",
    ),
    (
        "not ready",
        _custom([k8s.condition("Ready", "False", "Issuing", "Issuing certificate")]),
        P,
        "Issuing certificate",
    ),
    (
        "reconciling",
        _custom([k8s.condition("Reconciling", "True", "Progressing", "working")]),
        P,
        "working",
    ),
    (
        "stalled",
        _custom(
            [
                k8s.condition("Stalled", "True", "InvalidSpec", "bad issuer ref"),
                k8s.condition("Ready", "False"),
            ]
        ),
        D,
        "bad issuer ref",
    ),
    ("generation lag", _custom(generation=4, observed=3), P, "observe generation 4"),
    ("no observedGeneration published", _custom(generation=4, observed=None), H, "present"),
    ("no conditions", _custom(), H, "present"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in GENERIC_CASES],
    ids=[case[0] for case in GENERIC_CASES],
)
def test_unknown_kinds_follow_kstatus(
    obj: dict[str, Any], status: HealthStatus, message: str
) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_dispatch_is_api_group_aware() -> None:
    # A CRD that happens to be called "Deployment" must not be read as apps/v1.
    crd = k8s.simple("Deployment", "example.com/v1", spec={"replicas": 3}, status={})
    assert assess(crd).status is H
    assert assess(k8s.simple("Deployment", "apps/v1", spec={"replicas": 3}, status={})).status is P


def test_every_builtin_kind_is_registered_once() -> None:
    kinds = registered_kinds()
    assert len(kinds) == len(set(kinds))
    for key in [
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("", "Pod"),
        ("", "Service"),
        ("networking.k8s.io", "Ingress"),
        ("", "PersistentVolumeClaim"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("", "ConfigMap"),
    ]:
        assert key in kinds
    with pytest.raises(ValueError, match="two health assessors"):
        register("Pod", "")(lambda obj, ctx: Health(H, "", {}))


ALL_OBJECTS = [
    k8s.deployment(3, ready=2),
    k8s.statefulset(3),
    k8s.daemonset(2),
    k8s.replicaset(),
    k8s.pod(),
    k8s.unschedulable_pod("0/1 nodes"),
    k8s.job_failed(),
    k8s.cronjob(),
    k8s.service("LoadBalancer", lb_ingress=[{"ip": "203.0.113.1"}]),
    k8s.ingress(),
    k8s.pvc(),
    k8s.hpa(),
    k8s.simple("ConfigMap", data={"a": "b"}),
]


@pytest.mark.parametrize("obj", ALL_OBJECTS, ids=[o["kind"] for o in ALL_OBJECTS])
def test_details_are_json_serialisable(obj: dict[str, Any]) -> None:
    pods = [k8s.pod(containers=[k8s.waiting("CrashLoopBackOff", "back-off")])]
    health = assess(obj, pods=pods, related=[k8s.endpoint_slice(ready=1)])
    assert json.loads(json.dumps(health.to_dict()))["status"] == health.status.value
