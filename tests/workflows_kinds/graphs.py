"""Graph builders shared by the workflow-kind tests."""

from __future__ import annotations

from typing import Any

SHA = "a" * 64


def node(node_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": 0, "y": 0}, "data": data}


def edge(source: str, target: str, edge_id: str | None = None) -> dict[str, Any]:
    return {"id": edge_id or f"{source}->{target}", "source": source, "target": target}


def rich_workload(name: str, **extra: Any) -> dict[str, Any]:
    """Every container-level field set."""
    return {
        "name": name,
        "labels": {"team": "payments", "example.com/tier": "backend"},
        "annotations": {"example.com/owner": "ops@example.com"},
        "image": f"ghcr.io/org/{name}@sha256:{SHA}",
        "imagePullPolicy": "IfNotPresent",
        "imagePullSecrets": ["registry-creds"],
        "port": 8080,
        "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": "DB_PASSWORD", "secretKeyRef": {"name": "db", "key": "password"}},
            {"name": "FEATURE", "configMapKeyRef": {"name": "settings", "key": "feature",
                                                    "optional": True}},
        ],
        "command": ["/app/server"],
        "args": ["--verbose"],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "2Gi"},
        },
        "probes": {
            "liveness": {"type": "http", "path": "/healthz", "scheme": "HTTP",
                         "initialDelaySeconds": 5, "periodSeconds": 10, "timeoutSeconds": 2,
                         "failureThreshold": 3},
            "readiness": {"type": "tcp", "port": 8080},
            "startup": {"type": "exec", "command": ["cat", "/tmp/ready"]},
        },
        "serviceAccountName": "app-runner",
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "_linkedConfigMaps": ["settings"],
        **extra,
    }


def rich_graph() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """All twelve kinds with (nearly) every field set and every edge type present."""
    nodes = [
        node("dep", "deployment", **rich_workload("api", replicas=3, strategy="Recreate")),
        node("sts", "statefulset", **rich_workload(
            "db", replicas=2, podManagementPolicy="Parallel")),
        node("ds", "daemonset", **rich_workload("agent", updateStrategy="OnDelete")),
        node("job", "job", **rich_workload(
            "migrate", restartPolicy="Never", backoffLimit=2, completions=1, parallelism=1,
            activeDeadlineSeconds=600, ttlSecondsAfterFinished=3600)),
        node("cron", "cronjob", **rich_workload(
            "report", schedule="*/15 9-17 * * mon-fri", timeZone="Europe/Paris",
            concurrencyPolicy="Forbid", suspend=True, startingDeadlineSeconds=100,
            successfulJobsHistoryLimit=3, failedJobsHistoryLimit=1, restartPolicy="OnFailure",
            backoffLimit=1)),
        node("svc", "service", name="api", serviceType="LoadBalancer", port=443,
             targetPort=8080, protocol="TCP", nodePort=30443, sessionAffinity="ClientIP",
             externalTrafficPolicy="Local", labels={"team": "payments"},
             annotations={"example.com/lb": "internal"}, _linkedDeployment="api"),
        node("svc-db", "service", name="db", serviceType="Headless",
             ports=[{"name": "pg", "port": 5432, "targetPort": 8080, "protocol": "TCP"},
                    {"name": "metrics", "port": 9090, "targetPort": "metrics"}]),
        node("svc-agent", "service", name="agent", serviceType="NodePort",
             ports=[{"name": "http", "port": 80, "nodePort": 30080}]),
        node("ing", "ingress", name="public", host="api.example.com", ingressClassName="nginx",
             tls={"secretName": "api-cert"},
             paths=[{"path": "/", "pathType": "Prefix", "service": "api"},
                    {"path": "/agent", "pathType": "Exact", "service": "agent", "port": 80}]),
        node("cm", "configmap", name="settings", data={"feature": "on", "app.yaml": "a: 1"},
             immutable=False, mountPath="/etc/app", envFrom=True, mount=True),
        node("sec", "secret", name="db", secretType="Opaque", data={"password": "s3cret"},
             keys=["token"], mountPath="/etc/db", envFrom=True, mount=True),
        node("pvc", "persistentvolumeclaim", name="data", storage="10Gi",
             accessModes=["ReadWriteOnce"], storageClassName="fast", volumeMode="Filesystem",
             mountPath="/var/lib/data", readOnly=False),
        node("hpa", "hpa", name="api", minReplicas=2, maxReplicas=10,
             targets=[{"type": "cpu", "averageUtilization": 70},
                      {"type": "memory", "averageUtilization": 85}]),
        node("np", "networkpolicy", name="api-lockdown", policyTypes=["Ingress", "Egress"],
             ingress=[{"from": [{"podSelector": {"role": "frontend"}},
                                {"namespaceSelector": {"team": "payments"}},
                                {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                       "ports": [{"port": 8080, "protocol": "TCP"},
                                 {"port": 9000, "endPort": 9100}]}],
             egress=[{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                      "ports": [{"port": "https"}]}]),
    ]
    edges = [
        edge("svc", "dep"), edge("svc-db", "sts"), edge("svc-agent", "ds"),
        edge("ing", "svc"), edge("ing", "svc-agent"),
        *(edge("cm", w) for w in ("dep", "sts", "ds", "job", "cron")),
        *(edge("sec", w) for w in ("dep", "sts", "ds", "job", "cron")),
        edge("pvc", "dep"), edge("pvc", "sts"),
        edge("hpa", "dep"), edge("np", "dep"), edge("np", "sts"),
    ]
    return nodes, edges
