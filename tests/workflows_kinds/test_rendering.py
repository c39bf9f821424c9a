"""Rendered objects: valid Kubernetes, and edges turned into real references."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.workflows_kinds.graphs import edge, node, rich_graph
from workflows.kinds import KINDS
from workflows.kinds.meta import sanitize_label_value
from workflows.manifests import (
    WAVES,
    InvalidGraphError,
    RenderedObject,
    render_manifests,
    to_yaml,
    wave_of,
)

# kubectl on these machines is v1.32; also check the newest schemas the library bundles.
K8S_VERSIONS = ("1.32", kubernetes_validate.utils.latest_version())


def render(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
           **kwargs: Any) -> list[RenderedObject]:
    return render_manifests(nodes, edges, workflow_id="wf-7", namespace="prod", **kwargs)


def by_node(objects: list[RenderedObject]) -> dict[str, dict[str, Any]]:
    return {obj.node_id: obj.manifest for obj in objects}


@pytest.fixture(scope="module")
def rich() -> dict[str, dict[str, Any]]:
    return by_node(render(*rich_graph()))


def test_rich_graph_renders_every_kind() -> None:
    assert {obj.kind for obj in render(*rich_graph())} == set(KINDS)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_rendered_object_is_valid_kubernetes(version: str) -> None:
    for obj in render(*rich_graph()):
        kubernetes_validate.validate(obj.manifest, version, strict=True)


def test_minimal_nodes_of_every_kind_are_valid_kubernetes() -> None:
    nodes = [
        node("d", "deployment", name="web", image="nginx"),
        node("st", "statefulset", name="db", image="postgres:17"),
        node("ds", "daemonset", name="agent", image="agent"),
        node("j", "job", name="once", image="busybox"),
        node("cj", "cronjob", name="tick", image="busybox", schedule="@hourly"),
        node("s", "service", name="lonely"),
        node("i", "ingress", name="web"),
        node("s2", "service", name="web"),
        node("cm", "configmap", name="cfg"),
        node("sec", "secret", name="tok"),
        node("pvc", "persistentvolumeclaim", name="vol"),
        node("h", "hpa", name="web", maxReplicas=3),
        node("np", "networkpolicy", name="deny-all", podSelector={}),
    ]
    edges = [edge("i", "s2"), edge("s2", "d"), edge("h", "d")]
    for obj in render(nodes, edges):
        kubernetes_validate.validate(obj.manifest, "1.32", strict=True)


def test_metadata_labels_and_node_id_on_every_object() -> None:
    for obj in render(*rich_graph()):
        meta = obj.manifest["metadata"]
        assert meta["namespace"] == "prod"
        assert meta["labels"]["app.kubernetes.io/name"] == meta["name"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "kubeorch"
        assert meta["labels"]["kubeorch.io/workflow"] == "wf-7"
        assert meta["labels"]["kubeorch.io/node"] == obj.node_id
        assert meta["annotations"]["kubeorch.io/node-id"] == obj.node_id


def test_node_ids_are_sanitised_into_label_values() -> None:
    raw = "node/1 with spaces:" + "x" * 80
    (obj,) = render([node(raw, "configmap", name="cfg")], [])
    label = obj.manifest["metadata"]["labels"]["kubeorch.io/node"]
    assert label == sanitize_label_value(raw)
    assert len(label) <= 63 and label.replace("-", "").replace(".", "").isalnum()
    assert obj.manifest["metadata"]["annotations"]["kubeorch.io/node-id"] == raw
    assert sanitize_label_value("a/b") != sanitize_label_value("ab")
    assert sanitize_label_value("plain-id_1.2") == "plain-id_1.2"


def test_service_selects_the_connected_workload(rich: dict[str, dict[str, Any]]) -> None:
    deployment, service = rich["dep"], rich["svc"]
    selector = service["spec"]["selector"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    assert pod_labels["team"] == "payments"  # user labels reach the pods


def test_service_target_port_defaults_to_container_port() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx", port=8080),
             node("s", "service", name="web", port=80)]
    manifests = by_node(render(nodes, [edge("s", "d")]))
    container = manifests["d"]["spec"]["template"]["spec"]["containers"][0]
    assert manifests["s"]["spec"]["ports"] == [
        {"port": 80, "targetPort": container["ports"][0]["containerPort"], "protocol": "TCP"}
    ]
    assert container["ports"][0]["containerPort"] == 8080


def test_explicit_target_port_wins(rich: dict[str, dict[str, Any]]) -> None:
    assert rich["svc"]["spec"]["ports"][0]["targetPort"] == 8080
    assert rich["svc"]["spec"]["type"] == "LoadBalancer"
    assert rich["svc"]["spec"]["ports"][0]["nodePort"] == 30443


def test_headless_service_and_statefulset_service_name(rich: dict[str, dict[str, Any]]) -> None:
    assert rich["svc-db"]["spec"]["clusterIP"] == "None"
    assert rich["svc-db"]["spec"]["type"] == "ClusterIP"
    assert rich["sts"]["spec"]["serviceName"] == "db"


def test_statefulset_without_service_governs_itself() -> None:
    (obj,) = render([node("st", "statefulset", name="db", image="postgres")], [])
    assert obj.manifest["spec"]["serviceName"] == "db"


def test_service_without_edge_has_no_selector_unless_given() -> None:
    nodes = [node("a", "service", name="external"),
             node("b", "service", name="manual", selector={"app": "legacy"}, targetPort=9000)]
    manifests = by_node(render(nodes, []))
    assert "selector" not in manifests["a"]["spec"]
    assert manifests["a"]["spec"]["ports"][0]["targetPort"] == 80
    assert manifests["b"]["spec"]["selector"] == {"app": "legacy"}
    assert manifests["b"]["spec"]["ports"][0]["targetPort"] == 9000


def _pod_spec(manifest: dict[str, Any]) -> dict[str, Any]:
    spec = manifest["spec"]
    if manifest["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


@pytest.mark.parametrize("workload", ["dep", "sts", "ds", "job", "cron"])
def test_configmap_and_secret_become_volumes_mounts_and_env_from(
    rich: dict[str, dict[str, Any]], workload: str
) -> None:
    pod = _pod_spec(rich[workload])
    container = pod["containers"][0]
    assert {"name": "cm-settings", "configMap": {"name": "settings"}} in pod["volumes"]
    assert {"name": "secret-db", "secret": {"secretName": "db"}} in pod["volumes"]
    assert {"name": "cm-settings", "mountPath": "/etc/app", "readOnly": True} in \
        container["volumeMounts"]
    assert {"name": "secret-db", "mountPath": "/etc/db", "readOnly": True} in \
        container["volumeMounts"]
    assert container["envFrom"] == [{"configMapRef": {"name": "settings"}},
                                    {"secretRef": {"name": "db"}}]


def test_env_from_only_when_requested() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx"),
             node("c", "configmap", name="cfg", mount=False, envFrom=True),
             node("s", "secret", name="tok", data={"t": "x"})]
    manifests = by_node(render(nodes, [edge("c", "d"), edge("s", "d")]))
    pod = _pod_spec(manifests["d"])
    assert pod["volumes"] == [{"name": "secret-tok", "secret": {"secretName": "tok"}}]
    assert pod["containers"][0]["envFrom"] == [{"configMapRef": {"name": "cfg"}}]


@pytest.mark.parametrize("workload", ["dep", "sts"])
def test_pvc_is_mounted(rich: dict[str, dict[str, Any]], workload: str) -> None:
    pod = _pod_spec(rich[workload])
    assert {"name": "pvc-data", "persistentVolumeClaim": {"claimName": "data"}} in pod["volumes"]
    assert {"name": "pvc-data", "mountPath": "/var/lib/data"} in \
        pod["containers"][0]["volumeMounts"]


def test_block_pvc_becomes_a_device() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx"),
             node("p", "persistentvolumeclaim", name="raw", volumeMode="Block",
                  mountPath="/dev/xvda", readOnly=True)]
    manifests = by_node(render(nodes, [edge("p", "d")]))
    container = _pod_spec(manifests["d"])["containers"][0]
    assert container["volumeDevices"] == [{"name": "pvc-raw", "devicePath": "/dev/xvda"}]
    assert "volumeMounts" not in container
    kubernetes_validate.validate(manifests["d"], "1.32", strict=True)


def test_hpa_scales_the_connected_workload(rich: dict[str, dict[str, Any]]) -> None:
    spec = rich["hpa"]["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "api"}
    assert [m["resource"]["name"] for m in spec["metrics"]] == ["cpu", "memory"]
    assert spec["metrics"][0]["resource"]["target"] == {"type": "Utilization",
                                                         "averageUtilization": 70}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 10)


def test_networkpolicy_selects_its_single_workload() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx"),
             node("n", "networkpolicy", name="web-only")]
    manifests = by_node(render(nodes, [edge("n", "d")]))
    assert manifests["n"]["spec"]["podSelector"] == {
        "matchLabels": manifests["d"]["spec"]["selector"]["matchLabels"]
    }
    assert manifests["n"]["spec"]["policyTypes"] == ["Ingress"]


def test_networkpolicy_with_several_workloads_is_one_object(
    rich: dict[str, dict[str, Any]],
) -> None:
    selector = rich["np"]["spec"]["podSelector"]
    assert selector == {
        "matchLabels": {"kubeorch.io/workflow": "wf-7"},
        "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                              "values": ["api", "db"]}],
    }
    assert rich["np"]["spec"]["ingress"][0]["from"][0] == {
        "podSelector": {"matchLabels": {"role": "frontend"}}
    }


def test_ingress_backends_per_path(rich: dict[str, dict[str, Any]]) -> None:
    spec = rich["ing"]["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["api.example.com"], "secretName": "api-cert"}]
    (rule,) = spec["rules"]
    assert rule["host"] == "api.example.com"
    backends = [(p["path"], p["pathType"], p["backend"]["service"]) for p in rule["http"]["paths"]]
    assert backends == [
        ("/", "Prefix", {"name": "api", "port": {"number": 443}}),
        ("/agent", "Exact", {"name": "agent", "port": {"number": 80}}),
    ]


def test_ingress_default_path_uses_the_single_service_and_default_tls_secret() -> None:
    nodes = [node("i", "ingress", name="web", tls=True), node("s", "service", name="api",
                                                              port=8000)]
    manifests = by_node(render(nodes, [edge("i", "s")]))
    spec = manifests["i"]["spec"]
    assert spec["tls"] == [{"secretName": "web-tls"}]
    assert spec["rules"][0]["http"]["paths"] == [
        {"path": "/", "pathType": "Prefix",
         "backend": {"service": {"name": "api", "port": {"number": 8000}}}}
    ]


def test_container_fields_are_honoured(rich: dict[str, dict[str, Any]]) -> None:
    pod = _pod_spec(rich["dep"])
    container = pod["containers"][0]
    assert pod["serviceAccountName"] == "app-runner"
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["imagePullSecrets"] == [{"name": "registry-creds"}]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert (container["command"], container["args"]) == (["/app/server"], ["--verbose"])
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"},
                                  {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]
    assert container["env"][1] == {"name": "DB_PASSWORD",
                                   "valueFrom": {"secretKeyRef": {"name": "db",
                                                                  "key": "password"}}}
    assert container["resources"]["limits"]["memory"] == "1Gi"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 8080,
                                                     "scheme": "HTTP"}
    assert container["readinessProbe"] == {"tcpSocket": {"port": 8080}}
    assert container["startupProbe"] == {"exec": {"command": ["cat", "/tmp/ready"]}}
    assert rich["dep"]["spec"]["strategy"] == {"type": "Recreate"}
    assert rich["sts"]["spec"]["replicas"] == 2


def test_autoscaled_workload_leaves_replicas_to_the_hpa(rich: dict[str, dict[str, Any]]) -> None:
    assert "replicas" not in rich["dep"]["spec"]  # the rich graph's HPA scales "dep"
    (obj,) = render([node("d", "deployment", name="web", image="nginx", replicas=3)], [])
    assert obj.manifest["spec"]["replicas"] == 3


def test_integral_floats_render_as_integers() -> None:
    (obj,) = render([node("d", "deployment", name="web", image="nginx", replicas=2.0)], [])
    assert obj.manifest["spec"]["replicas"] == 2
    assert isinstance(obj.manifest["spec"]["replicas"], int)


def test_job_and_cronjob_fields(rich: dict[str, dict[str, Any]]) -> None:
    job, cron = rich["job"]["spec"], rich["cron"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert (job["backoffLimit"], job["activeDeadlineSeconds"]) == (2, 600)
    assert cron["schedule"] == "*/15 9-17 * * mon-fri"
    assert (cron["concurrencyPolicy"], cron["suspend"], cron["timeZone"]) == (
        "Forbid", True, "Europe/Paris")
    assert cron["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


def test_defaults_are_applied_before_rendering() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx"),
             node("p", "persistentvolumeclaim", name="vol")]
    manifests = by_node(render(nodes, []))
    assert manifests["d"]["spec"]["replicas"] == 1
    assert manifests["d"]["spec"]["strategy"] == {"type": "RollingUpdate"}
    assert manifests["p"]["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    assert manifests["p"]["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_secret_values_stored_runtime_and_missing() -> None:
    nodes = [node("s", "secret", name="db", data={"user": "app"}, keys=["password", "token"])]
    (obj,) = render(nodes, [], secret_values={"s": {"password": "hunter2"}})
    assert obj.manifest["stringData"] == {"user": "app", "password": "hunter2"}
    assert obj.manifest["metadata"]["annotations"]["kubeorch.io/runtime-keys"] == "token"
    assert "hunter2" not in to_yaml([obj], redact_secrets=True)
    assert "hunter2" in to_yaml([obj])


def test_tls_secret_requires_its_keys() -> None:
    with pytest.raises(InvalidGraphError) as caught:
        render([node("s", "secret", name="cert", secretType="kubernetes.io/tls",
                     data={"tls.crt": "x"})], [])
    assert [(e.path, e.message) for e in caught.value.errors] == [
        ("nodes[0].data.data", "a kubernetes.io/tls secret needs the key 'tls.key'")
    ]


def test_invalid_graph_is_never_rendered() -> None:
    with pytest.raises(InvalidGraphError, match=r"nodes\[0\].data.image: is required"):
        render([node("d", "deployment", name="web")], [])


def test_waves_order_and_determinism() -> None:
    nodes, edges = rich_graph()
    objects = render(nodes, edges)
    waves = [wave_of(obj.kind) for obj in objects]
    assert waves == sorted(waves)
    assert [obj.node_id for obj in objects][:4] == ["cm", "sec", "pvc", "np"]
    assert [obj.kind for obj in objects][-2:] == ["ingress", "hpa"]
    assert to_yaml(render(list(reversed(nodes)), edges)) != to_yaml(objects)  # node order rules
    assert to_yaml(render(nodes, edges)) == to_yaml(objects)
    assert {kind for wave in WAVES for kind in wave} == set(KINDS)


def test_yaml_is_a_multi_document_stream() -> None:
    objects = render(*rich_graph())
    text = to_yaml(objects)
    documents = list(yaml.safe_load_all(text))
    assert documents == [obj.manifest for obj in objects]
    assert text.startswith("---\n") and text.count("\n---\n") == len(objects) - 1
    assert "clusterIP: None" in text or "clusterIP: 'None'" in text
    assert "kubeorch.io/workflow: '7'" in to_yaml(
        render_manifests([node("c", "configmap", name="c")], [], workflow_id=7,
                         namespace="default"))
