"""Golden YAML per kind: a small graph exercising the kind's edges, rendered byte for byte.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/workflows_kinds``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.workflows_kinds.graphs import edge, node
from workflows.kinds import KINDS
from workflows.manifests import render_manifests, to_yaml

GOLDEN_DIR = Path(__file__).parent / "golden"

Graph = tuple[list[dict[str, Any]], list[dict[str, Any]]]

WEB = node("web", "deployment", name="web", image="nginx:1.27", port=8080)


def _workload_with_config(kind: str, **extra: Any) -> Graph:
    return (
        [
            node("w", kind, name="worker", image="busybox:1.36", command=["sh", "-c"],
                 args=["echo hi"], env=[{"name": "MODE", "value": "batch"}], **extra),
            node("cm", "configmap", name="settings", data={"mode": "fast"}),
            node("sec", "secret", name="creds", data={"token": "t0k3n"}, envFrom=True,
                 mount=False),
        ],
        [edge("cm", "w"), edge("sec", "w")],
    )


GRAPHS: dict[str, Graph] = {
    "deployment": (
        [WEB, node("svc", "service", name="web"),
         node("pvc", "persistentvolumeclaim", name="cache", mountPath="/cache"),
         node("cm", "configmap", name="web-config", data={"nginx.conf": "events {}"},
              mountPath="/etc/nginx/conf.d")],
        [edge("svc", "web"), edge("pvc", "web"), edge("cm", "web")],
    ),
    "statefulset": (
        [node("db", "statefulset", name="db", image="postgres:17", port=5432, replicas=3,
              resources={"requests": {"cpu": "250m", "memory": "512Mi"}}),
         node("svc", "service", name="db-headless", serviceType="Headless", port=5432),
         node("pvc", "persistentvolumeclaim", name="db-data", storage="20Gi",
              mountPath="/var/lib/postgresql/data")],
        [edge("svc", "db"), edge("pvc", "db")],
    ),
    "daemonset": (
        [node("agent", "daemonset", name="log-agent", image="fluent/fluent-bit:3.2",
              port=2020, nodeSelector={"kubernetes.io/os": "linux"},
              probes={"liveness": {"type": "http", "path": "/api/v1/health"}}),
         node("cm", "configmap", name="fluent-bit", data={"fluent-bit.conf": "[SERVICE]"})],
        [edge("cm", "agent")],
    ),
    "job": _workload_with_config("job", backoffLimit=3, restartPolicy="Never"),
    "cronjob": _workload_with_config("cronjob", schedule="0 3 * * *",
                                     concurrencyPolicy="Forbid"),
    "service": (
        [WEB, node("svc", "service", name="web", serviceType="NodePort", port=80,
                   nodePort=30080)],
        [edge("svc", "web")],
    ),
    "ingress": (
        [WEB, node("api", "deployment", name="api", image="ghcr.io/acme/api:2.1", port=9000),
         node("svc", "service", name="web"), node("svc-api", "service", name="api"),
         node("ing", "ingress", name="public", host="shop.example.com",
              ingressClassName="nginx", tls=True,
              paths=[{"path": "/", "service": "web"},
                     {"path": "/api", "pathType": "Prefix", "service": "api"}])],
        [edge("svc", "web"), edge("svc-api", "api"), edge("ing", "svc"), edge("ing", "svc-api")],
    ),
    "configmap": (
        [WEB, node("cm", "configmap", name="web-env", data={"LOG_LEVEL": "info"},
                   envFrom=True, mount=False)],
        [edge("cm", "web")],
    ),
    "secret": (
        [WEB, node("sec", "secret", name="web-secrets", data={"api-key": "abc123"},
                   keys=["db-password"], mountPath="/run/secrets")],
        [edge("sec", "web")],
    ),
    "persistentvolumeclaim": (
        [WEB, node("pvc", "persistentvolumeclaim", name="uploads", storage="5Gi",
                   accessModes=["ReadWriteMany"], storageClassName="nfs",
                   mountPath="/srv/uploads")],
        [edge("pvc", "web")],
    ),
    "hpa": (
        [WEB, node("hpa", "hpa", name="web", minReplicas=2, maxReplicas=8)],
        [edge("hpa", "web")],
    ),
    "networkpolicy": (
        [WEB, node("np", "networkpolicy", name="web-ingress",
                   ingress=[{"from": [{"podSelector": {"role": "gateway"}}],
                             "ports": [{"port": 8080}]}])],
        [edge("np", "web")],
    ),
}


def test_every_kind_has_a_golden_graph() -> None:
    assert set(GRAPHS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(GRAPHS))
def test_golden(kind: str) -> None:
    nodes, edges = GRAPHS[kind]
    objects = render_manifests(nodes, edges, workflow_id="golden", namespace="shop")
    assert kind in {obj.kind for obj in objects}
    rendered = to_yaml(objects)
    path = GOLDEN_DIR / f"{kind}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered)
    assert path.exists(), f"missing {path}: run with UPDATE_GOLDEN=1"
    assert rendered == path.read_text()


@pytest.mark.parametrize("kind", sorted(GRAPHS))
def test_golden_files_are_valid_kubernetes(kind: str) -> None:
    for document in yaml.safe_load_all((GOLDEN_DIR / f"{kind}.yaml").read_text()):
        kubernetes_validate.validate(document, "1.32", strict=True)
