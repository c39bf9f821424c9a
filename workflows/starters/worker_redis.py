"""A queue worker with Redis, configured by a ConfigMap exposed as environment variables."""

from typing import Any

from workflows.starters._build import edge, node, resources

_LOOP = 'while true; do echo "polling $QUEUE on $REDIS_URL"; sleep 10; done'

STARTER: dict[str, Any] = {
    "id": "worker-redis",
    "name": "Worker + Redis",
    "description": "Background workers reading their settings (Redis URL, queue name) from a "
    "ConfigMap exposed as environment variables, and Redis 7 behind a Service. Replace the "
    "worker's image and command by your own.",
    "nodes": [
        node("redis-svc", "service", 1, 1, name="redis", port=6379),
        node("worker", "deployment", 2, 0, name="worker", image="python:3.12-slim",
             replicas=2, command=["sh", "-c", _LOOP],
             resources=resources("100m", "128Mi", "256Mi")),
        node("redis", "deployment", 2, 1, name="redis", image="redis:7", replicas=1,
             port=6379, args=["--save", "", "--appendonly", "no"],
             resources=resources("100m", "128Mi", "256Mi"),
             probes={"readiness": {"type": "exec", "command": ["redis-cli", "ping"]},
                     "liveness": {"type": "tcp", "initialDelaySeconds": 10}}),
        node("config", "configmap", 3, 0, name="worker-config",
             data={"REDIS_URL": "redis://redis:6379/0", "QUEUE": "jobs", "LOG_LEVEL": "info"},
             envFrom=True, mount=False),
    ],
    "edges": [
        edge("redis-svc", "redis"),
        edge("config", "worker"),
    ],
}
