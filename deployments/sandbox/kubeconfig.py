"""Kubeconfig rendering: cluster, user and context all named `sandbox`, bearer-token auth."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml


def kubeconfig_dict(server: str, token: str, namespace: str = "default",
                    ca_pem: bytes | None = None) -> dict[str, object]:
    cluster: dict[str, object] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": "sandbox", "cluster": cluster}],
        "users": [{"name": "sandbox", "user": {"token": token}}],
        "contexts": [{"name": "sandbox", "context": {
            "cluster": "sandbox", "user": "sandbox", "namespace": namespace}}],
        "current-context": "sandbox",
    }


def render(server: str, token: str, ca_pem: bytes | None = None) -> str:
    return yaml.safe_dump(kubeconfig_dict(server, token, ca_pem=ca_pem), sort_keys=False)


def write(path: str | os.PathLike[str], server: str, token: str,
          ca_pem: bytes | None = None) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(server, token, ca_pem))
    target.chmod(0o600)  # it holds a credential
    return target
