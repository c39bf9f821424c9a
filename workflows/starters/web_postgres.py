"""A web app with a PostgreSQL StatefulSet, reachable through an Ingress."""

from typing import Any

from workflows.starters._build import edge, node, resources

_PASSWORD = {"name": "db-credentials", "key": "password"}

STARTER: dict[str, Any] = {
    "id": "web-postgres",
    "name": "Web app + PostgreSQL",
    "description": "A web Deployment behind an Ingress, talking to PostgreSQL 16 run as a "
    "StatefulSet with a PersistentVolumeClaim and a headless Service. The database password "
    "is a run-time Secret key: supply 'password' when you run the workflow. Replace the web "
    "image by your application's.",
    "nodes": [
        node("ingress", "ingress", 0, 0, name="web", host="app.example.com",
             ingressClassName="nginx", paths=[{"path": "/", "pathType": "Prefix"}]),
        node("web-svc", "service", 1, 0, name="web", port=80, targetPort=8000),
        node("db-svc", "service", 1, 1, name="postgres", serviceType="Headless", port=5432),
        node("web", "deployment", 2, 0, name="web", image="python:3.12-slim", replicas=2,
             port=8000, command=["python", "-m", "http.server", "8000"],
             env=[{"name": "DATABASE_HOST", "value": "postgres"},
                  {"name": "DATABASE_NAME", "value": "app"},
                  {"name": "DATABASE_USER", "value": "app"},
                  {"name": "DATABASE_PASSWORD", "secretKeyRef": _PASSWORD}],
             resources=resources("100m", "128Mi", "256Mi"),
             probes={"readiness": {"type": "http", "path": "/"},
                     "liveness": {"type": "tcp", "initialDelaySeconds": 10}}),
        node("db", "statefulset", 2, 1, name="postgres", image="postgres:16", replicas=1,
             port=5432,
             env=[{"name": "POSTGRES_DB", "value": "app"},
                  {"name": "POSTGRES_USER", "value": "app"},
                  {"name": "POSTGRES_PASSWORD", "secretKeyRef": _PASSWORD},
                  # The volume's root holds lost+found, which initdb refuses.
                  {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
             resources=resources("250m", "256Mi", "1Gi"),
             probes={"readiness": {"type": "exec", "command": ["pg_isready", "-U", "app"],
                                   "periodSeconds": 10},
                     "liveness": {"type": "tcp", "initialDelaySeconds": 30}}),
        node("secret", "secret", 3, 0.5, name="db-credentials", keys=["password"],
             mount=False),
        node("pvc", "persistentvolumeclaim", 3, 1.5, name="postgres-data", storage="10Gi",
             accessModes=["ReadWriteOnce"], mountPath="/var/lib/postgresql/data"),
    ],
    "edges": [
        edge("ingress", "web-svc"),
        edge("web-svc", "web"),
        edge("db-svc", "db"),
        edge("secret", "web"),
        edge("secret", "db"),
        edge("pvc", "db"),
    ],
}
