"""Ingress backends are checked against the namespace's Services when the caller lists them."""

from deployments.health import HealthStatus, assess

from . import k8s


def _services(*names: str) -> dict:
    return {"kind": "ServiceList", "items": [{"metadata": {"name": n}} for n in names]}


def test_ingress_with_a_missing_backend_is_degraded() -> None:
    ingress = k8s.ingress(lb_ingress=[{"ip": "127.0.0.1"}])  # backends: web and api
    health = assess(ingress, related=[_services("web")])
    assert health.status is HealthStatus.DEGRADED
    assert health.message == "backend service api not found"
    assert health.details["missing_backends"] == ["api"]
    both = assess(ingress, related=[_services()])
    assert both.message == "backend services api, web not found"
    assert assess(ingress, related=[_services("web", "api")]).status is HealthStatus.HEALTHY


def test_ingress_backends_unchecked_without_a_service_list() -> None:
    ingress = k8s.ingress(lb_ingress=[{"ip": "127.0.0.1"}])
    assert assess(ingress).status is HealthStatus.HEALTHY
