"""HorizontalPodAutoscaler (autoscaling/v2) scaling the connected workload.

The scaled workload is rendered without ``spec.replicas`` (see deployment.py), so applying
the workflow again does not undo the autoscaler's decision; ``minReplicas`` sets the floor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode, Topology
from workflows.kinds.meta import check_reserved_labels, manifest

_K8S_KIND = {"deployment": "Deployment", "statefulset": "StatefulSet"}

_TARGET = s.obj(
    {
        "type": s.enum("Resource", "Resource to track.", ["cpu", "memory"]),
        "averageUtilization": s.integer(
            "Target %", "Average utilisation, in percent of the pods' requests.", minimum=1
        ),
    },
    required=["type", "averageUtilization"],
)

SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "minReplicas": s.integer("Min replicas", "Never scale below.", minimum=1, default=1),
        "maxReplicas": s.integer("Max replicas", "Never scale above.", minimum=1),
        "targets": s.array(
            "Targets", "Utilisation targets; the HPA satisfies the most demanding.",
            _TARGET, minItems=1, default=[{"type": "cpu", "averageUtilization": 80}],
        ),
    },
    required=["name", "maxReplicas"],
    frontend_keys=True,
)


def check_data(data: Mapping[str, Any]) -> list[FieldError]:
    errors = check_reserved_labels(data)
    if data["maxReplicas"] < data["minReplicas"]:
        errors.append(FieldError("maxReplicas", f"must be at least minReplicas "
                                                f"({data['minReplicas']})"))
    types = [t["type"] for t in data["targets"]]
    errors += [FieldError(f"targets[{i}].type", "duplicate target")
               for i, kind in enumerate(types) if kind in types[:i]]
    return errors


def check_links(node: ResolvedNode, topology: Topology) -> list[FieldError]:
    if not topology.targets(node.id):
        return [FieldError("", "connect the HPA to the Deployment or StatefulSet it scales")]
    return []


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    (workload,) = ctx.topology.targets(node.id)
    spec = {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": _K8S_KIND[workload.type_id],
            "name": workload.name,
        },
        "minReplicas": data["minReplicas"],
        "maxReplicas": data["maxReplicas"],
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": target["type"],
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": target["averageUtilization"],
                    },
                },
            }
            for target in data["targets"]
        ],
    }
    return [manifest("autoscaling/v2", "HorizontalPodAutoscaler", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="hpa",
    label="HorizontalPodAutoscaler",
    category="scaling",
    icon="trending-up",
    description="Scales the connected Deployment or StatefulSet with its CPU or memory use.",
    schema=SCHEMA,
    targets=frozenset(_K8S_KIND),
    renderer=render,
    data_checker=check_data,
    link_checker=check_links,
)
