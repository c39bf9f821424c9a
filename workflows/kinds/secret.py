"""Secret: sensitive values consumed by connected workloads.

Values typed on the canvas (``data``) are rendered as ``stringData``; the schema marks them
with ``x-kubeorch-secret`` so the API and UI mask them. Keys listed in ``keys`` have values
supplied at run time (``render_manifests(..., secret_values=...)``); a key with no supplied
value is left out of the manifest, so server-side apply keeps whatever value the cluster
already has, and is listed in the ``kubeorch.io/runtime-keys`` annotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import FieldError, NodeKind, join_path
from workflows.kinds.configmap import CONSUMERS, consumption_properties
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.meta import check_reserved_labels, manifest

RUNTIME_KEYS_ANNOTATION = "kubeorch.io/runtime-keys"

# Keys the API server requires for typed secrets.
_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
}

_SECRET_VALUE = {"type": "string", s.SECRET_MARKER: True}

SCHEMA = s.obj(
    {
        **s.metadata_properties(),
        "secretType": s.enum(
            "Type", "Secret type; typed secrets require specific keys.",
            ["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson",
             "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth"],
            default="Opaque",
        ),
        "data": {
            **s.string_map("Data", "Keys and their secret values (masked in the UI).",
                           key_format="config-key", value=_SECRET_VALUE),
            s.SECRET_MARKER: True,
        },
        "keys": s.string_list(
            "Run-time keys", "Keys whose values are supplied when deploying, not stored.",
            {"type": "string", "format": "config-key"}, uniqueItems=True,
        ),
        **consumption_properties("/etc/secrets", "Secret"),
    },
    required=["name"],
    frontend_keys=True,
)


def check_data(data: Mapping[str, Any]) -> list[FieldError]:
    errors = check_reserved_labels(data)
    stored = set(data.get("data", {}))
    errors += [
        FieldError(join_path(["keys", i]), f"{key!r} already has a value in data")
        for i, key in enumerate(data.get("keys", []))
        if key in stored
    ]
    provided = stored | set(data.get("keys", []))
    errors += [
        FieldError("data", f"a {data['secretType']} secret needs the key {key!r}")
        for key in _REQUIRED_KEYS.get(data["secretType"], ())
        if key not in provided
    ]
    return errors


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    data = node.data
    supplied = ctx.secret_values.get(node.id, {})
    runtime_keys = list(data.get("keys", []))
    string_data = dict(data.get("data", {}))
    string_data.update({key: supplied[key] for key in runtime_keys if key in supplied})
    obj = manifest("v1", "Secret", node, ctx, type=data["secretType"], stringData=string_data)
    missing = [key for key in runtime_keys if key not in supplied]
    if missing:
        obj["metadata"]["annotations"][RUNTIME_KEYS_ANNOTATION] = ",".join(missing)
    return [obj]


KIND = NodeKind(
    type_id="secret",
    label="Secret",
    category="security",
    icon="key-round",
    description="Sensitive values (passwords, tokens, certificates) mounted as files or "
    "exposed as environment variables in connected workloads.",
    schema=SCHEMA,
    targets=CONSUMERS,
    renderer=render,
    data_checker=check_data,
)
