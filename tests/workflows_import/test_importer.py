"""import_yaml on a realistic `kubectl get -o yaml` dump: every kind, every inferred edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows_import.helpers import connections, data_of, imported, node_of
from workflows.importer import ImportResult

DUMP = (Path(__file__).parent / "cluster_dump.yaml").read_text()


@pytest.fixture(scope="module")
def shop() -> ImportResult:
    return imported(DUMP)


def test_every_supported_kind_becomes_a_node(shop: ImportResult) -> None:
    kinds = {node["type"] for node in shop.nodes}
    assert kinds == {"deployment", "statefulset", "daemonset", "job", "cronjob", "service",
                     "ingress", "configmap", "secret", "persistentvolumeclaim", "hpa",
                     "networkpolicy"}


def test_deployment_container_fields(shop: ImportResult) -> None:
    web = data_of(shop, "deployment", "web")
    assert web["image"] == "ghcr.io/acme/web:1.4"
    assert web["replicas"] == 3
    assert web["strategy"] == "RollingUpdate"
    assert web["command"] == ["/app/server"] and web["args"] == ["--port", "8080"]
    assert web["port"] == 8080
    assert web["ports"] == [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
    ]
    assert web["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": "1", "memory": "512Mi"}}
    assert web["serviceAccountName"] == "web"
    assert web["imagePullPolicy"] == "IfNotPresent"


def test_env_keeps_values_and_key_references(shop: ImportResult) -> None:
    assert data_of(shop, "deployment", "web")["env"] == [
        {"name": "MODE", "value": "production"},
        {"name": "DB_PASSWORD", "secretKeyRef": {"name": "db-credentials", "key": "password"}},
        {"name": "FEATURE",
         "configMapKeyRef": {"name": "web-config", "key": "feature", "optional": True}},
    ]
    assert "Deployment/web: env POD_IP comes from fieldRef, which KubeOrch does not model; " \
           "dropped" in shop.warnings


def test_probes_take_kubeorch_shape_with_named_ports_resolved(shop: ImportResult) -> None:
    assert data_of(shop, "deployment", "web")["probes"] == {
        "liveness": {"type": "http", "path": "/healthz", "scheme": "HTTP", "port": 8080,
                     "initialDelaySeconds": 5, "periodSeconds": 10},
        "readiness": {"type": "tcp", "port": 8080},
        "startup": {"type": "exec", "command": ["cat", "/tmp/ready"]},
    }


def test_labels_merge_object_and_pod_labels_without_kubeorch_owned_ones(
    shop: ImportResult,
) -> None:
    web = data_of(shop, "deployment", "web")
    assert web["labels"] == {"app": "web", "tier": "frontend"}
    assert web["annotations"] == {"team.example.com/owner": "web-team"}
    assert any("app.kubernetes.io/managed-by" in w for w in shop.warnings)


def test_statefulset_daemonset_job_cronjob_settings(shop: ImportResult) -> None:
    db = data_of(shop, "statefulset", "db")
    assert (db["image"], db["replicas"], db["podManagementPolicy"]) == ("postgres:16", 1,
                                                                         "Parallel")
    assert "serviceName" not in db  # implied by the connected headless Service "db"
    agent = data_of(shop, "daemonset", "log-agent")
    assert agent["updateStrategy"] == "OnDelete"
    assert agent["nodeSelector"] == {"kubernetes.io/os": "linux"}
    migrate = data_of(shop, "job", "migrate")
    assert (migrate["restartPolicy"], migrate["backoffLimit"],
            migrate["ttlSecondsAfterFinished"]) == ("Never", 3, 600)
    report = data_of(shop, "cronjob", "report")
    assert report["schedule"] == "0 3 * * *"
    assert (report["timeZone"], report["concurrencyPolicy"]) == ("Europe/Paris", "Forbid")
    assert (report["successfulJobsHistoryLimit"], report["backoffLimit"]) == (3, 1)
    assert report["command"] == ["sh", "/scripts/report.sh"]


def test_services(shop: ImportResult) -> None:
    web = data_of(shop, "service", "web")
    assert web["ports"] == [{"name": "http", "port": 80, "targetPort": "http",
                             "protocol": "TCP"}]
    assert "selector" not in web and "sessionAffinity" not in web
    db = data_of(shop, "service", "db")
    assert (db["serviceType"], db["port"], db["targetPort"]) == ("Headless", 5432, "pg")


def test_ingress_paths_host_tls_and_class(shop: ImportResult) -> None:
    public = data_of(shop, "ingress", "public")
    assert public["host"] == "shop.example.com"
    assert public["ingressClassName"] == "nginx"
    assert public["tls"] == {"secretName": "shop-cert"}
    # The port named "http" is the web Service's first port: left to follow the Service.
    assert public["paths"] == [
        {"path": "/", "pathType": "Prefix", "service": "web"},
        {"path": "/api", "pathType": "Exact", "service": "api"},
    ]


def test_config_secret_and_claim_data(shop: ImportResult) -> None:
    assert data_of(shop, "configmap", "web-config")["data"] == {"feature": "on",
                                                                 "app.yaml": "workers: 4\n"}
    secret = data_of(shop, "secret", "db-credentials")
    assert secret["data"] == {"password": "s3cret", "username": "app"}  # base64-decoded
    assert secret["secretType"] == "Opaque"
    uploads = data_of(shop, "persistentvolumeclaim", "uploads")
    assert (uploads["storage"], uploads["accessModes"], uploads["storageClassName"]) == (
        "5Gi", ["ReadWriteMany"], "nfs")


def test_hpa_and_network_policy(shop: ImportResult) -> None:
    hpa = data_of(shop, "hpa", "web")
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 8)
    assert hpa["targets"] == [{"type": "cpu", "averageUtilization": 70},
                              {"type": "memory", "averageUtilization": 80}]
    assert any("dropped a Pods metric" in w for w in shop.warnings)
    policy = data_of(shop, "networkpolicy", "web-ingress")
    assert "podSelector" not in policy  # it became an edge
    assert policy["policyTypes"] == ["Ingress"]
    assert policy["ingress"] == [{
        "from": [{"podSelector": {"role": "gateway"}},
                 {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
        "ports": [{"port": 8080, "protocol": "TCP"}],
    }]


def test_every_inferred_edge_type(shop: ImportResult) -> None:
    assert connections(shop) == {
        # Service selector -> workload whose pod template labels match
        ("service/web", "deployment/web"),
        ("service/api", "deployment/api"),
        ("service/db", "statefulset/db"),
        # Ingress backends -> Services by name
        ("ingress/public", "service/web"),
        ("ingress/public", "service/api"),
        # volumes, envFrom and env valueFrom -> ConfigMaps, Secrets, PVCs
        ("configmap/web-config", "deployment/web"),
        ("configmap/web-env", "deployment/web"),
        ("configmap/agent-config", "daemonset/log-agent"),
        ("configmap/report-scripts", "cronjob/report"),
        ("secret/db-credentials", "deployment/web"),
        ("secret/db-credentials", "statefulset/db"),
        ("secret/db-credentials", "job/migrate"),
        ("persistentvolumeclaim/uploads", "deployment/web"),
        ("persistentvolumeclaim/data-db", "statefulset/db"),
        # HPA scaleTargetRef, NetworkPolicy podSelector
        ("hpa/web", "deployment/web"),
        ("networkpolicy/web-ingress", "deployment/web"),
    }


def test_consumption_sets_mount_paths_and_env_from(shop: ImportResult) -> None:
    config = data_of(shop, "configmap", "web-config")
    assert (config["mount"], config["mountPath"], config["envFrom"]) == (True, "/etc/web", False)
    env = data_of(shop, "configmap", "web-env")
    assert (env["mount"], env["envFrom"]) == (False, True)
    uploads = data_of(shop, "persistentvolumeclaim", "uploads")
    assert (uploads["mountPath"], uploads["readOnly"]) == ("/srv/uploads", True)
    assert data_of(shop, "persistentvolumeclaim", "data-db")["mountPath"] == \
        "/var/lib/postgresql/data"


def test_what_cannot_be_modelled_is_warned_about(shop: ImportResult) -> None:
    expected = [
        "Deployment/web: only the first container 'app' is kept; dropped: 'proxy'",
        "Deployment/web: volume 'scratch' (emptyDir) is not modelled by KubeOrch and was "
        "dropped",
        "DaemonSet/log-agent: pod setting tolerations is not modelled by KubeOrch and was "
        "dropped",
        "StatefulSet/db: volumeClaimTemplates became shared PVCs (data-db): every replica now "
        "mounts the same claim",
    ]
    for warning in expected:
        assert warning in shop.warnings


def test_unsupported_kinds_are_skipped_with_a_warning_naming_them(shop: ImportResult) -> None:
    assert "skipped ClusterRole (rbac.authorization.k8s.io/v1): shop-reader; KubeOrch does " \
           "not support this kind" in shop.warnings
    assert any("CustomResourceDefinition" in w and "widgets.example.com" in w
               for w in shop.warnings)


def test_layout_puts_each_wave_in_its_own_column(shop: ImportResult) -> None:
    columns = {node["type"]: node["position"]["x"] for node in shop.nodes}
    assert columns["ingress"] == columns["hpa"] < columns["service"] < columns["deployment"]
    assert columns["deployment"] == columns["cronjob"] < columns["configmap"]
    assert columns["configmap"] == columns["persistentvolumeclaim"] == columns["secret"]
    spots = [(n["position"]["x"], n["position"]["y"]) for n in shop.nodes]
    assert len(set(spots)) == len(spots)


def test_node_ids_are_readable_and_unique(shop: ImportResult) -> None:
    assert node_of(shop, "deployment", "web")["id"] == "deployment-web"
    assert len({n["id"] for n in shop.nodes}) == len(shop.nodes)
