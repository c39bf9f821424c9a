"""PersistentVolumeClaim: durable storage mounted into connected workloads."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.meta import check_reserved_labels, manifest

SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "storage": s.quantity("Size", "Requested capacity, e.g. '10Gi'.", default="1Gi"),
        "accessModes": s.array(
            "Access modes", "How nodes may mount the volume.",
            {"type": "string",
             "enum": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]},
            minItems=1, uniqueItems=True, default=["ReadWriteOnce"],
        ),
        "storageClassName": s.string(
            "Storage class", "Storage class to provision from; empty string disables dynamic "
            "provisioning; omit for the cluster default.",
            pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$",
            maxLength=253,
        ),
        "volumeMode": s.enum("Volume mode", "Filesystem is mounted; Block is a raw device.",
                             ["Filesystem", "Block"], default="Filesystem"),
        "mountPath": s.formatted("http-path", "Mount path",
                                 "Where connected workloads see the volume (device path for "
                                 "Block).", default="/data"),
        "mount": s.boolean("Mount", "Mount into connected workloads.", default=True),
        "readOnly": s.boolean("Read only", "Mount read-only in connected workloads.",
                              default=False),
    },
    required=["name"],
    frontend_keys=True,
)


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    spec: dict[str, Any] = {
        "accessModes": list(data["accessModes"]),
        "volumeMode": data["volumeMode"],
        "resources": {"requests": {"storage": data["storage"]}},
    }
    if "storageClassName" in data:
        spec["storageClassName"] = data["storageClassName"]
    return [manifest("v1", "PersistentVolumeClaim", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="persistentvolumeclaim",
    label="PersistentVolumeClaim",
    category="storage",
    icon="hard-drive",
    description="Requests durable storage and mounts it into connected workloads.",
    schema=SCHEMA,
    targets=frozenset({"deployment", "statefulset"}),
    renderer=render,
    data_checker=check_reserved_labels,
)
