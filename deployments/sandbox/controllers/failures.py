"""Failure injection: how a container's spec says it should misbehave, and the exact
messages Kubernetes uses for each failure."""

from __future__ import annotations

from dataclasses import dataclass

from ..util import Obj, dig, parse_quantity

TRUSTED_REGISTRIES = {"docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "gcr.io",
                      "localhost:5000", "registry.sandbox.local", "index.docker.io",
                      "registry-1.docker.io", "mcr.microsoft.com", "public.ecr.aws"}
OOM_LIMIT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Behaviour:
    pull_error: str | None = None  # full containerd error message, when the pull fails
    crash: bool = False
    oom: bool = False
    not_ready: bool = False
    job_fails: bool = False


def _env(container: Obj) -> dict[str, str]:
    return {e.get("name", ""): str(e.get("value", "")) for e in container.get("env") or []}


def normalized_reference(image: str) -> tuple[str, str]:
    """(registry host, fully-qualified reference) the way containerd spells them."""
    first, _, rest = image.partition("/")
    has_host = bool(rest) and ("." in first or ":" in first or first == "localhost")
    host = first if has_host else "docker.io"
    path = rest if has_host else image
    if host == "docker.io" and "/" not in path:
        path = f"library/{path}"
    last = path.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        path += ":latest"
    return host, f"{host}/{path}"


def pull_error(image: str) -> str | None:
    host, reference = normalized_reference(image)
    if host not in TRUSTED_REGISTRIES:
        repo, _, tag = reference[len(host) + 1:].rpartition(":")
        return (f'failed to pull and unpack image "{reference}": failed to resolve reference '
                f'"{reference}": failed to do request: Head "https://{host}/v2/{repo}/manifests/'
                f'{tag}": dial tcp: lookup {host.split(":")[0]}: no such host')
    if reference.rsplit(":", 1)[-1] == "missing":
        return (f'failed to pull and unpack image "{reference}": failed to resolve reference '
                f'"{reference}": {reference}: not found')
    return None


def _readiness_fails(container: Obj) -> bool:
    path = dig(container, "readinessProbe", "httpGet", "path", default="")
    return "fail" in str(path) or _env(container).get("SANDBOX_NOT_READY") == "1"


def behaviour_of(container: Obj) -> Behaviour:
    env = _env(container)
    memory_limit = dig(container, "resources", "limits", "memory")
    oom = memory_limit is not None and parse_quantity(memory_limit) < OOM_LIMIT_BYTES
    return Behaviour(
        pull_error=pull_error(str(container.get("image", ""))),
        crash=env.get("SANDBOX_CRASH") == "1", oom=oom,
        not_ready=_readiness_fails(container), job_fails=env.get("SANDBOX_FAIL") == "1")


def pull_failed_event(image: str, error: str) -> str:
    code = "NotFound" if error.endswith("not found") else "Unknown"
    return f'Failed to pull image "{image}": rpc error: code = {code} desc = {error}'


def crash_backoff_message(container: str, pod: Obj, seconds: int) -> str:
    meta = pod["metadata"]
    return (f"back-off {seconds}s restarting failed container={container} "
            f"pod={meta['name']}_{meta['namespace']}({meta['uid']})")


def crash_backoff_event(container: str, pod: Obj) -> str:
    meta = pod["metadata"]
    return (f"Back-off restarting failed container {container} in pod "
            f"{meta['name']}_{meta['namespace']}({meta['uid']})")


def insufficient_resources(pod: Obj, capacity: dict[str, str]) -> list[str]:
    totals = {"cpu": 0.0, "memory": 0.0}
    for container in dig(pod, "spec", "containers", default=[]):
        resources = container.get("resources") or {}
        requests = resources.get("requests") or resources.get("limits") or {}
        for name in totals:
            totals[name] += parse_quantity(requests.get(name))
    return [name for name, total in totals.items() if total > parse_quantity(capacity[name])]


def unschedulable_message(reasons: list[str]) -> str:
    listed = ", ".join(reasons)
    return (f"0/1 nodes are available: {listed}. preemption: 0/1 nodes are available: "
            f"1 No preemption victims found for incoming pod.")
