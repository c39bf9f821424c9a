"""A workflow using all twelve kinds, wired the way users wire them."""

from tests.graphs import edge, node


def all_kinds() -> tuple[list, list]:
    nodes = [
        node("cfg", "configmap", name="app-config", data={"MODE": "demo"}),
        node("creds", "secret", name="app-creds", data={"API_KEY": "k-123"}, keys=["DB_PASSWORD"]),
        node("data", "persistentvolumeclaim", name="app-data", storage="1Gi"),
        node("web", "deployment", name="web", image="nginx:1.27", replicas=2, port=80),
        node("web-svc", "service", name="web", port=80),
        node(
            "web-ing",
            "ingress",
            name="web",
            host="shop.example.com",
            paths=[{"path": "/", "pathType": "Prefix"}],
        ),
        node("web-hpa", "hpa", name="web", minReplicas=2, maxReplicas=5),
        node("web-np", "networkpolicy", name="web", policyTypes=["Ingress"]),
        node("db", "statefulset", name="db", image="postgres:16", replicas=1, port=5432),
        node("db-svc", "service", name="db", port=5432, serviceType="Headless"),
        node("agent", "daemonset", name="agent", image="busybox:1.36", port=9100),
        node("migrate", "job", name="migrate", image="busybox:1.36"),
        node("report", "cronjob", name="report", image="busybox:1.36", schedule="0 3 * * *"),
    ]
    edges = [
        edge("cfg", "web"),
        edge("creds", "web"),
        edge("data", "web"),
        edge("web-svc", "web"),
        edge("web-ing", "web-svc"),
        edge("web-hpa", "web"),
        edge("web-np", "web"),
        edge("db-svc", "db"),
        edge("cfg", "migrate"),
        edge("cfg", "report"),
    ]
    return nodes, edges
