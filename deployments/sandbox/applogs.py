"""Plausible application output for simulated containers, keyed off the image name."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def _image_base(image: str) -> str:
    name = image.rsplit("/", 1)[-1]
    return name.split("@")[0].split(":")[0]


def _clf_time(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def startup_lines(image: str, container: str, port: int | None) -> list[str]:
    base = _image_base(image)
    if base == "nginx":
        return [
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
            "configuration",
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            f"{time.strftime('%Y/%m/%d %H:%M:%S')} [notice] 1#1: using the \"epoll\" event method",
            f"{time.strftime('%Y/%m/%d %H:%M:%S')} [notice] 1#1: nginx/1.27.3",
            f"{time.strftime('%Y/%m/%d %H:%M:%S')} [notice] 1#1: start worker processes",
        ]
    if base == "redis":
        return ["1:C Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, "
                "just started",
                "1:M * Running mode=standalone, port=6379.",
                "1:M * Server initialized", "1:M * Ready to accept connections tcp"]
    if base == "postgres":
        return ["PostgreSQL init process complete; ready for start up.",
                "LOG:  starting PostgreSQL 16.2 on x86_64-pc-linux-gnu",
                "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
                "LOG:  database system is ready to accept connections"]
    listen = f" on :{port}" if port else ""
    return [f"[kubeorch-sandbox] starting {image} (container {container})",
            f"INFO  {base}: configuration loaded",
            f"INFO  {base}: listening{listen}"]


def periodic_line(image: str, at: float, sequence: int) -> str:
    base = _image_base(image)
    path = ("/", "/healthz", "/api/items", "/static/app.js")[sequence % 4]
    if base == "nginx":
        return (f'10.244.0.1 - - [{_clf_time(at)}] "GET {path} HTTP/1.1" 200 615 "-" '
                f'"kube-probe/1.32" "-"')
    if base == "redis":
        return f"1:M * {sequence} clients connected (0 replicas), 1.05M memory in use"
    if base == "postgres":
        return f"LOG:  checkpoint complete: wrote {sequence % 50} buffers"
    return f"INFO  {base}: request handled method=GET path={path} status=200 duration=3ms"


def crash_lines(image: str, oom: bool) -> list[str]:
    base = _image_base(image)
    if oom:
        return [f"INFO  {base}: loading dataset into memory",
                f"WARN  {base}: memory usage approaching container limit"]
    return [f"ERROR {base}: fatal: unable to connect to upstream dependency "
            f"(SANDBOX_CRASH=1 is set)",
            f"ERROR {base}: exiting with status 1"]


def job_lines(image: str, failing: bool) -> list[str]:
    base = _image_base(image)
    if failing:
        return [f"[kubeorch-sandbox] {base}: job started",
                f"ERROR {base}: task failed (SANDBOX_FAIL=1 is set)"]
    return [f"[kubeorch-sandbox] {base}: job started", f"{base}: processed 100 items",
            f"{base}: done"]
