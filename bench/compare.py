"""Time to compare two 5,000-node versions (target: <= 100 ms).

The second version changes 10% of the nodes, removes 2% and adds 2%, with edges to match, which
is a heavy but realistic diff. Prints the median and p95 of repeated runs.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeorch.settings")

from workflows.compare import compare_graphs

NODES = 5000


def graph(size: int, variant: int) -> tuple[list, list]:
    nodes, edges = [], []
    for i in range(size):
        if variant and i % 50 == 0:
            continue  # removed in the new version
        replicas = 3 if variant and i % 10 == 1 else 2
        nodes.append(
            {
                "id": f"n{i}",
                "type": "deployment",
                "position": {"x": i * 3, "y": variant},
                "data": {
                    "name": f"app-{i}",
                    "image": "nginx:1.27",
                    "replicas": replicas,
                    "port": 80,
                    "env": [{"name": "MODE", "value": "prod"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                },
            }
        )
        if i:
            edges.append({"id": f"e{i}", "source": f"n{i}", "target": f"n{i - 1}"})
    if variant:
        nodes += [
            {
                "id": f"new{i}",
                "type": "configmap",
                "position": {"x": 0, "y": 0},
                "data": {"name": f"cfg-{i}", "data": {"k": "v"}},
            }
            for i in range(size // 50)
        ]
    return nodes, edges


def main() -> None:
    old_nodes, old_edges = graph(NODES, 0)
    new_nodes, new_edges = graph(NODES, 1)
    samples = []
    for _ in range(30):
        start = time.perf_counter()
        diff = compare_graphs(old_nodes, old_edges, new_nodes, new_edges)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    nodes = diff["nodes"]
    print(
        f"compare {NODES}-node versions: median {statistics.median(samples):.1f} ms, "
        f"p95 {samples[int(len(samples) * 0.95) - 1]:.1f} ms (target <= 100 ms); "
        f"{len(nodes['added'])} added, {len(nodes['removed'])} removed, "
        f"{len(nodes['modified'])} modified nodes"
    )


if __name__ == "__main__":
    main()
