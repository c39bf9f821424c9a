"""Small helpers shared by the API machinery and the controllers."""

from __future__ import annotations

import copy
import hashlib
import json
import marshal
import time
from datetime import UTC, datetime
from typing import Any

import yaml

Obj = dict[str, Any]

# The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now_iso(at: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_iso(at: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> float:
    value = value.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in value else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()


# libyaml's parser where PyYAML was built with it (it is here): the pure-Python one cost
# ~1.5 ms per applied object, a tenth of the sandbox's CPU in bench/apply.py.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """A YAML (or JSON) request body, as an API server decodes it. Clients (kubectl, the
    kubernetes client) send JSON even as application/apply-patch+yaml: that is read as JSON."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # YAML flow mapping that is not JSON
    return yaml.load(text, Loader=_YAML_LOADER)


def deep(obj: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), which the store makes of every
    object it hands out. marshal copies such data in C, twice as fast as walking it here (and
    many times faster than copy.deepcopy); format 2 shares nothing, so a dict that appears
    twice in the input is two dicts in the copy. What marshal cannot carry is walked."""
    try:
        return marshal.loads(marshal.dumps(obj, 2))
    except ValueError:
        return _walk(obj)


def _walk(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {key: deep(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [deep(value) for value in obj]
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    return copy.deepcopy(obj)


def stable_hash(value: Any, length: int = 10) -> str:
    """A deterministic name-safe hash, like the pod-template-hash label."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in digest[:length])


def suffix_from(seed: str, length: int = 5) -> str:
    return stable_hash(seed, length)


def meta(obj: Obj) -> Obj:
    return obj.setdefault("metadata", {})


def dig(obj: Any, *path: str | int, default: Any = None) -> Any:
    for step in path:
        if isinstance(obj, dict) and isinstance(step, str):
            obj = obj.get(step)
        elif isinstance(obj, list) and isinstance(step, int) and -len(obj) <= step < len(obj):
            obj = obj[step]
        else:
            return default
        if obj is None:
            return default
    return obj


def parse_quantity(value: Any) -> float:
    """Kubernetes quantity -> float in base units (cores for cpu, bytes for memory)."""
    if value is None:
        return 0.0
    text = str(value).strip()
    suffixes = {
        "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "Pi": 1024**5, "Ei": 1024**6,
        "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
        "E": 1e18,
    }
    for suffix in sorted(suffixes, key=len, reverse=True):
        if text.endswith(suffix):
            try:
                return float(text[: -len(suffix)]) * suffixes[suffix]
            except ValueError:
                return 0.0
    try:
        return float(text)
    except ValueError:
        return 0.0


def owner_ref(owner: Obj, controller: bool = True) -> Obj:
    return {
        "apiVersion": owner["apiVersion"], "kind": owner["kind"],
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": controller, "blockOwnerDeletion": True,
    }


def is_owned_by(obj: Obj, owner: Obj) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid for ref in obj.get("metadata", {}).get("ownerReferences", []))
