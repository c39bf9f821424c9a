"""Service and Ingress rules."""

from __future__ import annotations

from typing import Any

import pytest

from deployments.health import HealthOptions, HealthStatus, assess

from . import k8s

H, P, D = HealthStatus.HEALTHY, HealthStatus.PROGRESSING, HealthStatus.DEGRADED
LB = [{"ip": "203.0.113.10", "ipMode": "VIP"}]
NO_LB_WAIT = HealthOptions(service_lb_requires_address=False, ingress_requires_address=False)

SERVICE_CASES: list[
    tuple[str, dict[str, Any], list[dict[str, Any]], HealthOptions, HealthStatus, str]
] = [
    ("cluster ip", k8s.service(), [], HealthOptions(), H, "ClusterIP 10.96.12.34 ports 80/TCP"),
    (
        "external name",
        k8s.service("ExternalName"),
        [],
        HealthOptions(),
        H,
        "ExternalName alias for db.example.com",
    ),
    (
        "lb pending",
        k8s.service("LoadBalancer"),
        [],
        HealthOptions(),
        P,
        "waiting for the load balancer to get an address",
    ),
    ("lb pending, not required", k8s.service("LoadBalancer"), [], NO_LB_WAIT, H, "LoadBalancer"),
    (
        "lb ready",
        k8s.service("LoadBalancer", lb_ingress=LB),
        [],
        HealthOptions(),
        H,
        "LoadBalancer 203.0.113.10",
    ),
    (
        "lb hostname",
        k8s.service("LoadBalancer", lb_ingress=[{"hostname": "a1.elb.example"}]),
        [],
        HealthOptions(),
        H,
        "a1.elb.example",
    ),
    (
        "ready endpoint slice",
        k8s.service(),
        [k8s.endpoint_slice(ready=2)],
        HealthOptions(),
        H,
        "ClusterIP",
    ),
    (
        "selects no pods (slice)",
        k8s.service(),
        [k8s.endpoint_slice()],
        HealthOptions(),
        D,
        "selects no pods (selector app.kubernetes.io/name=web)",
    ),
    (
        "selects no pods (endpoints)",
        k8s.service(),
        [k8s.endpoints()],
        HealthOptions(),
        D,
        "selects no pods",
    ),
    (
        "pods not ready (slice)",
        k8s.service(),
        [k8s.endpoint_slice(not_ready=2)],
        HealthOptions(),
        P,
        "0/2 endpoints ready",
    ),
    (
        "pods not ready (endpoints)",
        k8s.service(),
        [k8s.endpoints(not_ready=1)],
        HealthOptions(),
        P,
        "0/1 endpoints ready",
    ),
    (
        "lb pending but selects no pods",
        k8s.service("LoadBalancer"),
        [k8s.endpoint_slice()],
        HealthOptions(),
        D,
        "selects no pods",
    ),
    (
        "slice of another service",
        k8s.service(),
        [k8s.endpoint_slice(service_name="api")],
        HealthOptions(),
        H,
        "ClusterIP",
    ),
    (
        "no selector: endpoints are manual",
        k8s.service(selector={}),
        [k8s.endpoints()],
        HealthOptions(),
        H,
        "ClusterIP",
    ),
]


@pytest.mark.parametrize(
    ("obj", "related", "options", "status", "message"),
    [case[1:] for case in SERVICE_CASES],
    ids=[case[0] for case in SERVICE_CASES],
)
def test_service(
    obj: dict[str, Any],
    related: list[dict[str, Any]],
    options: HealthOptions,
    status: HealthStatus,
    message: str,
) -> None:
    health = assess(obj, related=related, options=options)
    assert health.status is status
    assert message in health.message


def test_service_details() -> None:
    details = assess(
        k8s.service("LoadBalancer", lb_ingress=LB),
        related=[k8s.endpoint_slice(ready=2, not_ready=1)],
    ).details
    assert details["cluster_ip"] == "10.96.12.34"
    assert details["load_balancer_addresses"] == ["203.0.113.10"]
    assert details["ports"] == [
        {"name": "http", "port": 80, "target_port": 8080, "protocol": "TCP", "node_port": 31380}
    ]
    assert (details["ready_endpoints"], details["not_ready_endpoints"]) == (2, 1)


INGRESS_CASES: list[tuple[str, dict[str, Any], HealthOptions, HealthStatus, str]] = [
    (
        "no address",
        k8s.ingress(),
        HealthOptions(),
        P,
        "waiting for the ingress controller to publish an address",
    ),
    (
        "no address, not required",
        k8s.ingress(),
        NO_LB_WAIT,
        H,
        "shop.example.com (no address published)",
    ),
    ("address", k8s.ingress(lb_ingress=LB), HealthOptions(), H, "shop.example.com at 203.0.113.10"),
]


@pytest.mark.parametrize(
    ("obj", "options", "status", "message"),
    [case[1:] for case in INGRESS_CASES],
    ids=[case[0] for case in INGRESS_CASES],
)
def test_ingress(
    obj: dict[str, Any], options: HealthOptions, status: HealthStatus, message: str
) -> None:
    health = assess(obj, options=options)
    assert health.status is status
    assert message in health.message


def test_ingress_details() -> None:
    details = assess(k8s.ingress(lb_ingress=LB)).details
    assert details["addresses"] == ["203.0.113.10"]
    assert details["hosts"] == ["shop.example.com"]
    assert details["tls_hosts"] == ["shop.example.com"]
    assert [(p["path"], p["backend"]) for p in details["paths"]] == [
        ("/", "web:80"),
        ("/api", "api:http"),
    ]
    assert details["ingress_class"] == "nginx"


def test_legacy_extensions_ingress_backend() -> None:
    legacy = k8s.ingress(lb_ingress=LB)
    legacy["apiVersion"] = "extensions/v1beta1"
    legacy["spec"]["rules"][0]["http"]["paths"] = [
        {"path": "/", "backend": {"serviceName": "web", "servicePort": 80}}
    ]
    health = assess(legacy)
    assert health.status is H
    assert health.details["paths"][0]["backend"] == "web:80"
