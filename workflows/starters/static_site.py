"""A static site served by nginx, autoscaled, behind an Ingress."""

from typing import Any

from workflows.starters._build import edge, node, resources

_INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>It works</title></head>
<body><h1>Deployed with KubeOrch</h1></body></html>
"""

STARTER: dict[str, Any] = {
    "id": "static-site",
    "name": "Static site",
    "description": "nginx 1.27 serving pages from a ConfigMap, behind a Service and an "
    "Ingress, scaled between 2 and 10 replicas on CPU by a HorizontalPodAutoscaler.",
    "nodes": [
        node("ingress", "ingress", 0, 0, name="site", host="www.example.com",
             ingressClassName="nginx", paths=[{"path": "/", "pathType": "Prefix"}]),
        node("hpa", "hpa", 0, 1, name="site", minReplicas=2, maxReplicas=10,
             targets=[{"type": "cpu", "averageUtilization": 70}]),
        node("svc", "service", 1, 0, name="site", port=80),
        node("site", "deployment", 2, 0.5, name="site", image="nginx:1.27", replicas=2,
             port=80, resources=resources("100m", "64Mi", "128Mi"),
             probes={"readiness": {"type": "http", "path": "/"},
                     "liveness": {"type": "http", "path": "/", "initialDelaySeconds": 10}}),
        node("pages", "configmap", 3, 0.5, name="site-pages", data={"index.html": _INDEX},
             mountPath="/usr/share/nginx/html"),
    ],
    "edges": [
        edge("ingress", "svc"),
        edge("hpa", "site"),
        edge("svc", "site"),
        edge("pages", "site"),
    ],
}
