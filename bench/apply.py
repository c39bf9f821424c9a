"""Apply a 200-object workflow to the sandbox two ways and compare (goal: KubeOrch <= 0.5x).

1. KubeOrch's run apply phase: the engine's waves through the adapter (server-side apply,
   bounded concurrency).
2. `kubectl apply --server-side -f` of the exported YAML (what the manifests endpoint returns).

Each goes to a fresh namespace of the same sandbox, which runs in its own process as a real
API server would (in-process it would share the client's GIL, which kubectl does not pay).
Three rounds, medians printed.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeorch.settings")
os.environ.setdefault("KUBEORCH_DATA_DIR", tempfile.mkdtemp(prefix="kubeorch-bench-"))

import django

django.setup()

from deployments.cluster import ConnectionSpec, connect  # noqa: E402
from deployments.previews import export_yaml  # noqa: E402
from workflows.manifests import in_waves, render_manifests  # noqa: E402

APPS = 50  # x (ConfigMap, Deployment, Service, HPA) = 200 objects


def graph() -> tuple[list, list]:
    nodes, edges = [], []
    for i in range(APPS):
        nodes += [
            {"id": f"cfg{i}", "type": "configmap", "position": {"x": 0, "y": 0},
             "data": {"name": f"cfg-{i}", "data": {"MODE": "bench"}}},
            {"id": f"app{i}", "type": "deployment", "position": {"x": 0, "y": 0},
             "data": {"name": f"app-{i}", "image": "nginx:1.27", "replicas": 1, "port": 80}},
            {"id": f"svc{i}", "type": "service", "position": {"x": 0, "y": 0},
             "data": {"name": f"app-{i}", "port": 80}},
            {"id": f"hpa{i}", "type": "hpa", "position": {"x": 0, "y": 0},
             "data": {"name": f"app-{i}", "minReplicas": 1, "maxReplicas": 3}},
        ]
        edges += [{"id": f"e{i}a", "source": f"cfg{i}", "target": f"app{i}"},
                  {"id": f"e{i}b", "source": f"svc{i}", "target": f"app{i}"},
                  {"id": f"e{i}c", "source": f"hpa{i}", "target": f"app{i}"}]
    return nodes, edges


def kubeorch_apply(client, objects) -> float:
    start = time.perf_counter()
    for wave in in_waves(objects):
        client.apply_many([o.manifest for o in wave], concurrency=8)
    return time.perf_counter() - start


def kubectl_apply(kubeconfig: str, yaml_text: str) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(yaml_text)
    start = time.perf_counter()
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f",
                    handle.name], check=True, capture_output=True, timeout=300)
    elapsed = time.perf_counter() - start
    os.unlink(handle.name)
    return elapsed


def start_sandbox(kubeconfig: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "deployments.sandbox", "--port", "0", "--kubeconfig",
         str(kubeconfig), "--pod-start-delay", "0.5"],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # the URL: the kubeconfig is written
    return process


def main() -> None:
    nodes, edges = graph()
    kubeconfig = Path(tempfile.mkdtemp()) / "kubeconfig"
    sandbox = start_sandbox(kubeconfig)
    try:
        client = connect(ConnectionSpec(kind="kubeconfig", kubeconfig=kubeconfig.read_text()))
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(3):
            for timings, apply in ((ours, "kubeorch"), (theirs, "kubectl")):
                namespace = f"bench-{uuid.uuid4().hex[:8]}"
                client.ensure_namespace(namespace)
                objects = render_manifests(nodes, edges, workflow_id=1, namespace=namespace)
                if apply == "kubeorch":
                    timings.append(kubeorch_apply(client, objects))
                else:
                    timings.append(kubectl_apply(str(kubeconfig), export_yaml(objects)))
        count = len(objects)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    print(f"apply {count} objects to the sandbox (median of 3):")
    print(f"  KubeOrch run apply phase (waves, concurrency 8): {ours_s * 1000:.0f} ms")
    print(f"  kubectl apply --server-side -f exported.yaml:     {theirs_s * 1000:.0f} ms")
    print(f"  ratio KubeOrch/kubectl: {ours_s / theirs_s:.2f}x (goal <= 0.5x)")


if __name__ == "__main__":
    main()
