"""Services, EndpointSlices/Endpoints, Ingresses."""

from __future__ import annotations

from typing import Any

from .common import LABELS, metadata


def service(
    type_: str = "ClusterIP",
    *,
    lb_ingress: list[dict[str, str]] | None = None,
    selector: dict[str, str] | None = None,
    external_name: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type_, "sessionAffinity": "None"}
    if type_ == "ExternalName":
        spec["externalName"] = external_name or "db.example.com"
    else:
        port: dict[str, Any] = {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
        if type_ in ("NodePort", "LoadBalancer"):
            port["nodePort"] = 31380
        spec.update(
            clusterIP="10.96.12.34",
            clusterIPs=["10.96.12.34"],
            ipFamilies=["IPv4"],
            ports=[port],
            selector=dict(LABELS) if selector is None else selector,
        )
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata("web", generation=None),
        "spec": spec,
        "status": {"loadBalancer": {"ingress": lb_ingress} if lb_ingress else {}},
    }


def endpoint_slice(*, ready: int = 0, not_ready: int = 0, service_name: str = "web") -> dict:
    endpoints = [
        {
            "addresses": [f"10.244.1.{i}"],
            "conditions": {"ready": i < ready, "serving": i < ready, "terminating": False},
            "targetRef": {"kind": "Pod", "name": f"web-{i}", "namespace": "shop"},
            "nodeName": "node-a",
        }
        for i in range(ready + not_ready)
    ]
    meta = metadata(f"{service_name}-x8k2p", generation=1)
    meta["labels"] = {
        "kubernetes.io/service-name": service_name,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": meta,
        "addressType": "IPv4",
        # The API serialises an empty slice with "endpoints": null.
        "endpoints": endpoints or None,
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def endpoints(*, ready: int = 0, not_ready: int = 0, name: str = "web") -> dict[str, Any]:
    subset: dict[str, Any] = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [{"ip": f"10.244.1.{i}"} for i in range(ready)]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": f"10.244.2.{i}"} for i in range(not_ready)]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": metadata(name, generation=None),
        **({"subsets": [subset]} if ready or not_ready else {}),
    }


def ingress(*, lb_ingress: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata("web", generation=1),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            },
                            {
                                "path": "/api",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "api", "port": {"name": "http"}}},
                            },
                        ]
                    },
                }
            ],
        },
        "status": {"loadBalancer": {"ingress": lb_ingress} if lb_ingress else {}},
    }
