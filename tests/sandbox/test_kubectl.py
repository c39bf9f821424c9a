# The typed kubernetes models make every field Optional and want model objects where the
# API accepts plain dicts; these tests read fields the sandbox has just set.
# mypy: disable-error-code="union-attr, arg-type, index, operator, attr-defined, misc"
"""kubectl (the real v1.32 binary) against the sandbox through its kubeconfig."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deployments.sandbox import SandboxCluster

from .conftest import wait_for

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
"""


def kubectl(sandbox: SandboxCluster, *args: str, check: bool = True) -> str:
    result = subprocess.run([str(KUBECTL), "--kubeconfig", str(sandbox.kubeconfig_path), *args],
                            capture_output=True, text=True, timeout=30, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def test_kubectl_apply_get_logs_exec(sandbox: SandboxCluster, sandbox_namespace: str,
                                     tmp_path: Path) -> None:
    ns = sandbox_namespace
    manifest = tmp_path / "app.yaml"
    manifest.write_text(MANIFEST)
    applied = kubectl(sandbox, "-n", ns, "apply", "--server-side", "-f", str(manifest))
    assert "deployment.apps/web serverside-applied" in applied
    assert "service/web serverside-applied" in applied
    assert "configmap/web-config serverside-applied" in applied
    version = yaml.safe_load(kubectl(sandbox, "-n", ns, "get", "deploy", "web", "-o", "yaml"))
    kubectl(sandbox, "-n", ns, "apply", "--server-side", "-f", str(manifest))
    assert yaml.safe_load(kubectl(sandbox, "-n", ns, "get", "configmap", "web-config", "-o",
                                  "yaml"))["data"] == {"greeting": "hello"}
    assert version["spec"]["replicas"] == 2 and version["kind"] == "Deployment"
    wait_for(lambda: kubectl(sandbox, "-n", ns, "get", "deploy", "web", "-o",
                             "jsonpath={.status.availableReplicas}") == "2")
    listing = kubectl(sandbox, "get", "pods", "-A")
    assert listing.startswith("NAMESPACE") and "Running" in listing and ns in listing
    pod = kubectl(sandbox, "-n", ns, "get", "pods", "-o", "name").splitlines()[0]
    assert "ready for start up" in kubectl(sandbox, "-n", ns, "logs", pod)
    assert kubectl(sandbox, "-n", ns, "exec", pod.removeprefix("pod/"), "--", "echo",
                   "hi") == "hi\n"


def test_kubectl_reports_api_errors(sandbox: SandboxCluster, sandbox_namespace: str) -> None:
    result = subprocess.run([str(KUBECTL), "--kubeconfig", str(sandbox.kubeconfig_path), "-n",
                             sandbox_namespace, "get", "deployment", "nope"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert 'deployments.apps "nope" not found' in result.stderr


def test_protobuf_bodies_get_a_clear_415(sandbox, tmp_path):
    """kubectl's typed create sends protobuf, which the sandbox does not decode: the user gets
    the API server's 415 naming the formats it accepts, not a JSON parse error."""
    import subprocess

    result = subprocess.run(
        ["kubectl", "--kubeconfig", str(sandbox.kubeconfig_path), "create", "namespace",
         "from-protobuf"], capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert "UnsupportedMediaType" in result.stderr
    assert "application/apply-patch+yaml" in result.stderr
