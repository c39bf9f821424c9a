"""import_yaml on awkward input: stream shapes, errors with line numbers, partial imports."""

from __future__ import annotations

import pytest

from tests.workflows_import.helpers import connections, data_of, imported, node_of
from workflows.importer import ImportFailed, import_yaml


def deployment(name: str, labels: str = "{app: web}", extra: str = "") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}{extra}}}
spec:
  selector: {{matchLabels: {labels}}}
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers: [{{name: c, image: "nginx:1.27", ports: [{{containerPort: 8080}}]}}]
"""


SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def errors_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ImportFailed) as caught:
        import_yaml(text, default_namespace="shop")
    return [(error.path, error.message) for error in caught.value.errors]


def test_multi_document_stream_with_empty_documents() -> None:
    result = imported(f"---\n{deployment('web')}---\n---\n{SERVICE}---\n")
    assert connections(result) == {("service/web", "deployment/web")}


def test_kind_list_items_are_imported() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n"
    for document in (deployment("web"), SERVICE):
        text += "- " + document.replace("\n", "\n  ").rstrip() + "\n"
    assert connections(imported(text)) == {("service/web", "deployment/web")}


def test_invalid_yaml_names_the_line_and_column() -> None:
    text = deployment("web") + "---\napiVersion: v1\nkind: ConfigMap\ndata: {a: [1\n"
    [(path, message)] = errors_of(text)
    assert path == "yaml"
    assert message.startswith("line 14, column 1: ")
    assert "expected ',' or ']'" in message


def test_bad_indentation_names_the_line() -> None:
    [(path, message)] = errors_of("kind: ConfigMap\nmetadata:\n  name: a\n name: b\n")
    assert path == "yaml" and message.startswith("line 4, column 2: ")


def test_a_document_that_is_not_an_object_names_its_index_and_line() -> None:
    text = deployment("web") + "---\n- just\n- a list\n---\nkind: ConfigMap\nmetadata: {}\n"
    assert errors_of(text) == [
        ("yaml", "document 2 (line 11): not a Kubernetes object: expected a mapping with "
                 "apiVersion, kind and metadata, got a list"),
        ("yaml", "document 3 (line 14): not a Kubernetes object: apiVersion is missing"),
    ]


def test_a_bad_list_item_names_the_document_and_the_item_line() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n" \
           "  metadata: {name: ok}\n- apiVersion: v1\n  kind: ConfigMap\n"
    assert errors_of(text) == [
        ("yaml", "document 1 (line 7): not a Kubernetes object: metadata.name is missing")]


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    [(path, message)] = errors_of("\n".join(lines) + "\n")
    assert path == "yaml" and "too many aliases" in message


def test_no_supported_object_gives_an_empty_graph_and_warnings() -> None:
    result = imported("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    assert result.nodes == [] and result.edges == []
    assert result.warnings == ["skipped Namespace (v1): shop; KubeOrch does not support this "
                               "kind"]


def test_objects_outside_the_default_namespace_keep_theirs() -> None:
    text = deployment("web", extra=", namespace: shop") + "---\n" + \
        deployment("web", extra=", namespace: other")
    result = imported(text)
    namespaces = sorted(n["data"].get("namespace", "-") for n in result.nodes)
    assert namespaces == ["-", "other"]
    assert len({n["id"] for n in result.nodes}) == 2


def test_repeated_objects_keep_the_first() -> None:
    result = imported(deployment("web") + "---\n" + deployment("web"))
    assert len(result.nodes) == 1
    assert "Deployment/web: document 2 (line 11) repeats document 1; the first one is kept" \
        in result.warnings


def test_names_kubeorch_cannot_hold_skip_the_object_with_a_warning() -> None:
    text = deployment("web") + "---\napiVersion: v1\nkind: ConfigMap\n" \
        "metadata: {name: app.settings}\ndata: {a: b}\n"
    result = imported(text)
    assert [n["type"] for n in result.nodes] == ["deployment"]
    assert any(w.startswith("ConfigMap/app.settings: not imported: name: must be a DNS-1123 "
                            "label") for w in result.warnings)


def test_invalid_values_are_dropped_not_the_object() -> None:
    text = deployment("web").replace(
        "ports:", 'env: [{name: "1BAD", value: x}, {name: OK, value: y}], ports:')
    result = imported(text)
    assert data_of(result, "deployment", "web")["env"] == [{"name": "OK", "value": "y"}]
    assert any(w.startswith("Deployment/web: dropped env[0].name") for w in result.warnings)


def test_references_to_objects_not_in_the_yaml_are_warned() -> None:
    text = deployment("web").replace(
        "ports:", "envFrom: [{configMapRef: {name: missing}}], ports:")
    result = imported(text + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                             "metadata: {name: public}\nspec:\n  rules:\n  - http:\n"
                             "      paths:\n      - path: /\n        pathType: Prefix\n"
                             "        backend: {service: {name: nowhere, port: {number: 80}}}\n")
    assert "Deployment/web: uses ConfigMap 'missing', which is not in the YAML; it is not " \
           "connected" in result.warnings
    assert [n["type"] for n in result.nodes] == ["deployment"]
    assert any(w.startswith("Ingress/public: not imported") for w in result.warnings)


def test_a_service_matching_no_workload_keeps_its_selector() -> None:
    result = imported(SERVICE.replace("{app: web}", "{app: elsewhere}"))
    assert data_of(result, "service", "web")["selector"] == {"app": "elsewhere"}
    assert result.edges == []


def test_a_service_selecting_two_workloads_connects_the_first() -> None:
    text = deployment("web") + "---\n" + deployment("web-canary") + "---\n" + SERVICE
    result = imported(text)
    assert connections(result) == {("service/web", "deployment/web")}
    assert any("selects several workloads (web, web-canary)" in w for w in result.warnings)


def test_a_network_policy_for_all_pods_keeps_its_empty_selector() -> None:
    text = deployment("web") + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n" \
        "metadata: {name: deny-all}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
    result = imported(text)
    assert data_of(result, "networkpolicy", "deny-all")["podSelector"] == {}
    assert result.edges == []


def test_a_network_policy_with_match_expressions_selects_by_them() -> None:
    text = deployment("web") + "---\n" + deployment("api", "{app: api}") + "---\n" \
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\n" \
        "spec:\n  podSelector:\n    matchExpressions:\n" \
        "    - {key: app, operator: In, values: [web, api]}\n"
    assert connections(imported(text)) == {("networkpolicy/np", "deployment/web"),
                                           ("networkpolicy/np", "deployment/api")}


def test_an_hpa_whose_target_is_missing_is_skipped() -> None:
    text = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n" \
           "spec:\n  scaleTargetRef: {kind: Deployment, name: ghost}\n  maxReplicas: 3\n"
    result = imported(text)
    assert result.nodes == []
    assert any(w.startswith("HorizontalPodAutoscaler/h: scales Deployment 'ghost'")
               for w in result.warnings)


def test_autoscaling_v1_cpu_target() -> None:
    text = deployment("web") + "---\napiVersion: autoscaling/v1\n" \
        "kind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n" \
        "  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 4\n" \
        "  targetCPUUtilizationPercentage: 60\n"
    hpa = data_of(imported(text), "hpa", "web")
    assert hpa["targets"] == [{"type": "cpu", "averageUtilization": 60}]


def test_secret_string_data_runtime_keys_and_undecodable_values() -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n" \
           "    kubeorch.io/runtime-keys: token\ntype: Opaque\n" \
           "data: {a: aGk=, bin: //79}\nstringData: {b: plain}\n"
    result = imported(text)
    secret = data_of(result, "secret", "s")
    assert secret["data"] == {"a": "hi", "b": "plain"}
    assert secret["keys"] == ["token"]
    assert "annotations" not in secret
    assert any("'bin' is not base64-encoded UTF-8" in w for w in result.warnings)


def test_cluster_managed_secrets_are_skipped() -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: sh.helm.release.v1.shop.v1}\n" \
           "type: helm.sh/release.v1\ndata: {release: eA==}\n"
    result = imported(text)
    assert result.nodes == []
    assert "managed by the cluster or another tool" in result.warnings[0]


def test_ingress_with_several_hosts_keeps_the_first() -> None:
    text = deployment("web") + "---\n" + SERVICE + "---\n" \
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: public}\nspec:\n" \
        "  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /\n" \
        "        pathType: Prefix\n        backend: {service: {name: web, port: {number: 80}}}\n" \
        "  - host: b.example.com\n    http:\n      paths:\n      - path: /b\n" \
        "        pathType: Prefix\n        backend: {service: {name: web, port: {number: 80}}}\n"
    result = imported(text)
    ingress = data_of(result, "ingress", "public")
    assert ingress["host"] == "a.example.com"
    assert ingress["paths"] == [{"path": "/", "pathType": "Prefix", "service": "web"}]
    assert any("one host per Ingress" in w for w in result.warnings)


def test_external_name_services_are_skipped() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec:\n" \
           "  type: ExternalName\n  externalName: db.example.com\n"
    result = imported(text)
    assert result.nodes == [] and "ExternalName" in result.warnings[0]


def test_node_ids_come_from_kubeorch_annotations_when_present() -> None:
    text = deployment("web", extra=", annotations: {kubeorch.io/node-id: my-node}")
    assert node_of(imported(text), "deployment", "web")["id"] == "my-node"


def test_a_cronjob_with_a_pvc_cannot_be_connected_and_says_so() -> None:
    text = """apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: b, image: "busybox:1.36", volumeMounts: [{name: d, mountPath: /d}]}]
          volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""
    result = imported(text)
    assert result.edges == []
    assert any("cannot connect a PersistentVolumeClaim to a cronjob" in w
               for w in result.warnings)


def test_control_characters_are_a_yaml_error() -> None:
    [(path, message)] = errors_of("\x08kind: x\n")
    assert path == "yaml" and "unacceptable character #x0008" in message


def test_yaml_only_values_become_json_strings() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {1: a}\n" \
           "  annotations: {example.com/when: 2026-10-01}\ndata: {true: yes, 2: 3}\n"
    config = data_of(imported(text), "configmap", "c")
    assert config["labels"] == {"1": "a"}
    assert config["annotations"] == {"example.com/when": "2026-10-01"}
    assert config["data"] == {"true": "true", "2": "3"}
