"""PersistentVolumeClaim and HorizontalPodAutoscaler rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deployments.health import HealthStatus, assess

from . import k8s

H, P, D, S = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
)
WFFC = k8s.storage_class()
IMMEDIATE = k8s.storage_class(binding_mode="Immediate")

PVC_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], HealthStatus, str]] = [
    ("bound", k8s.pvc(), [], H, "bound to pvc-3f6a1c2e (10Gi)"),
    ("lost", k8s.pvc("Lost"), [], D, "lost: its PersistentVolume pvc-3f6a1c2e"),
    ("pending", k8s.pvc("Pending"), [], P, "waiting for a volume to be provisioned or bound"),
    ("pending immediate", k8s.pvc("Pending"), [IMMEDIATE], P, "waiting for a volume"),
    (
        "WaitForFirstConsumer (class)",
        k8s.pvc("Pending"),
        [WFFC],
        P,
        "waiting for a pod to use it (WaitForFirstConsumer)",
    ),
    (
        "WaitForFirstConsumer (default class)",
        k8s.pvc("Pending", storage_class=None),
        [k8s.storage_class("local", default=True)],
        P,
        "WaitForFirstConsumer",
    ),
    (
        "WaitForFirstConsumer (event)",
        k8s.pvc("Pending"),
        [
            k8s.event(
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
                type_="Normal",
            )
        ],
        P,
        "WaitForFirstConsumer",
    ),
    (
        "consumer scheduled, provisioning",
        k8s.pvc("Pending", selected_node="node-a"),
        [WFFC],
        P,
        "provisioning a volume on node node-a",
    ),
    (
        "provisioning failed",
        k8s.pvc("Pending"),
        [k8s.event("ProvisioningFailed", 'storageclass.storage.k8s.io "fast" not found')],
        D,
        'ProvisioningFailed: storageclass.storage.k8s.io "fast" not found',
    ),
    (
        "resizing",
        k8s.pvc(conditions=[k8s.condition("Resizing", "True")]),
        [],
        P,
        "bound, Resizing to 10Gi",
    ),
]


@pytest.mark.parametrize(
    ("obj", "related", "status", "message"),
    [case[1:] for case in PVC_CASES],
    ids=[case[0] for case in PVC_CASES],
)
def test_pvc(
    obj: dict[str, Any], related: list[dict[str, Any]], status: HealthStatus, message: str
) -> None:
    health = assess(obj, related=related)
    assert health.status is status
    assert message in health.message


def test_wait_for_first_consumer_is_flagged_as_expected() -> None:
    details = assess(k8s.pvc("Pending"), related=[WFFC]).details
    assert details["waiting_for_first_consumer"] is True


def test_bound_pvc_details() -> None:
    details = assess(k8s.pvc()).details
    assert (details["capacity"], details["volume"], details["storage_class"]) == (
        "10Gi",
        "pvc-3f6a1c2e",
        "standard",
    )


def _pv(phase: str, message: str = "") -> dict[str, Any]:
    status = {"phase": phase, **({"message": message} if message else {})}
    return k8s.simple(
        "PersistentVolume",
        spec={
            "capacity": {"storage": "10Gi"},
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"},
            "persistentVolumeReclaimPolicy": "Delete",
        },
        status=status,
    )


@pytest.mark.parametrize(
    ("phase", "message", "status", "text"),
    [
        ("Bound", "", H, "Bound (claim shop/data)"),
        ("Released", "", H, "Released"),
        ("Pending", "", P, "pending"),
        ("Failed", "error getting deleter volume plugin", D, "Failed: error getting deleter"),
    ],
)
def test_persistent_volume(phase: str, message: str, status: HealthStatus, text: str) -> None:
    health = assess(_pv(phase, message))
    assert health.status is status
    assert text in health.message


def _hpa_conditions(
    able: tuple[str, str, str],
    active: tuple[str, str, str],
    limited: tuple[str, str] = ("False", "DesiredWithinRange"),
) -> list:
    return [
        k8s.condition("AbleToScale", *able),
        k8s.condition("ScalingActive", *active),
        k8s.condition("ScalingLimited", *limited, "the desired count is within range"),
    ]


OK = ("True", "SucceededGetScale", "the HPA controller was able to get the target's scale")
ACTIVE = ("True", "ValidMetricFound", "the HPA was able to successfully calculate a count")

HPA_CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("scaling normally", k8s.hpa(), H, "2 replicas (desired 2, range 2-10)"),
    (
        "limited is fine",
        k8s.hpa(conditions=_hpa_conditions(OK, ACTIVE, ("True", "TooManyReplicas"))),
        H,
        "limited: TooManyReplicas",
    ),
    (
        "FailedGetScale",
        k8s.hpa(
            conditions=_hpa_conditions(
                (
                    "False",
                    "FailedGetScale",
                    "the HPA controller was unable to get the target's current scale: "
                    'deployments/scale.apps "web" not found',
                ),
                ACTIVE,
            )
        ),
        D,
        "FailedGetScale: the HPA controller was unable",
    ),
    (
        "FailedGetResourceMetric",
        k8s.hpa(
            conditions=_hpa_conditions(
                OK,
                (
                    "False",
                    "FailedGetResourceMetric",
                    "the HPA was unable to compute the replica count: "
                    "failed to get cpu utilization",
                ),
            )
        ),
        D,
        "FailedGetResourceMetric: the HPA was unable to compute",
    ),
    (
        "FailedComputeMetricsReplicas",
        k8s.hpa(
            conditions=_hpa_conditions(
                OK,
                ("False", "FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1)"),
            )
        ),
        D,
        "FailedComputeMetricsReplicas",
    ),
    (
        "target scaled to zero",
        k8s.hpa(
            conditions=_hpa_conditions(
                OK,
                (
                    "False",
                    "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero",
                ),
            )
        ),
        S,
        "ScalingDisabled",
    ),
    ("generation lag", k8s.hpa(generation=2, observed=1), P, "observe generation 2"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in HPA_CASES],
    ids=[case[0] for case in HPA_CASES],
)
def test_hpa(obj: dict[str, Any], status: HealthStatus, message: str) -> None:
    health = assess(obj)
    assert health.status is status
    assert message in health.message


def test_autoscaling_v1_conditions_come_from_the_annotation() -> None:
    v1 = k8s.hpa()
    v1["apiVersion"] = "autoscaling/v1"
    conditions = v1["status"].pop("conditions")
    conditions[0] = k8s.condition("AbleToScale", "False", "FailedGetScale", "no scale")
    v1["metadata"]["annotations"] = {
        "autoscaling.alpha.kubernetes.io/conditions": json.dumps(conditions)
    }
    assert assess(v1).status is D


def test_fresh_hpa_waits_for_first_evaluation() -> None:
    fresh = k8s.hpa()
    fresh["status"] = {"desiredReplicas": 0}  # what the API shows before the first sync
    assert assess(fresh).status is P


def test_hpa_details() -> None:
    details = assess(k8s.hpa(current=3, desired=4)).details
    assert (details["current_replicas"], details["desired_replicas"]) == (3, 4)
    assert details["target"] == "Deployment/web"
