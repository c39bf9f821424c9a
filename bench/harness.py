"""Shared plumbing for the benches that need the production stack (PostgreSQL, Redis, processes).

Call `prepare(name)` before `django.setup()`: it checks DATABASE_URL/REDIS_URL (from
`scripts/with-services`), creates a dedicated database `kubeorch_bench_<name>_<pid>`, points
DATABASE_URL at it, gives the bench its own Redis database number and a temporary data dir.
Everything it creates (database, processes, temp dirs) is undone by `Stack.close()`.
"""

import contextlib
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOW_TO_RUN = "scripts/with-services .venv/bin/python {script}  (or `make bench`)"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit(wanted: int) -> int:
    """Raise RLIMIT_NOFILE's soft limit towards `wanted` (up to the hard limit); the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@dataclass
class Stack:
    """What a bench started: stopped and removed (processes by pid, then the database)."""

    name: str
    data_dir: Path
    admin_url: str  # the maintenance database (to create/drop the bench's own)
    database: str
    redis_url: str
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a child process: same database, Redis and data dir."""
        return {**os.environ, **extra}

    def start(self, label: str, args: list[str], **extra_env: str) -> subprocess.Popen:
        log = (self.data_dir / f"{label}.log").open("wb")
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env(**extra_env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped by its pid, children too
        )
        log.close()
        self.processes.append((label, process))
        return process

    def log_tail(self, label: str, lines: int = 20) -> str:
        path = self.data_dir / f"{label}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, process: subprocess.Popen, timeout: float = 15) -> None:
        if process.poll() is None:
            # SIGINT lets a cProfiled server write its profile; the group is ours (setsid).
            sig = signal.SIGINT if "cProfile" in str(process.args) else signal.SIGTERM
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def close(self) -> None:
        for _label, process in reversed(self.processes):
            self.stop(process)
        self.processes.clear()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never set up: nothing open
            pass
        drop_database(self.admin_url, self.database)
        for path in [self.data_dir, *self.temp_dirs]:
            shutil.rmtree(path, ignore_errors=True)


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def drop_database(admin_url: str, database: str) -> None:
    try:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    except Exception as exc:  # report, never mask the bench's own error
        print(f"  (could not drop database {database}: {exc})", file=sys.stderr)


def prepare(name: str, redis_db: int) -> Stack:
    """Check the services, create the bench's database and data dir, set the env for Django.

    Exits 0 with instructions when DATABASE_URL/REDIS_URL are not set (not an error: the bench
    needs the production stack, which `scripts/with-services` provides)."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url or not database_url.startswith("postgres"):
        script = f"bench/{name}.py"
        print(f"{script}: needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL); run it as")
        print("  " + HOW_TO_RUN.format(script=script))
        sys.exit(0)
    admin_url = _with_path(database_url, "/postgres")
    database = f"kubeorch_bench_{name}_{os.getpid()}"
    drop_database(admin_url, database)
    _admin(admin_url, f'CREATE DATABASE "{database}"')
    data_dir = Path(tempfile.mkdtemp(prefix=f"kubeorch-bench-{name}-"))
    stack = Stack(
        name=name,
        data_dir=data_dir,
        admin_url=admin_url,
        database=database,
        redis_url=_with_path(redis_url, f"/{redis_db}"),
    )
    os.environ.update(
        DATABASE_URL=_with_path(database_url, f"/{database}"),
        REDIS_URL=stack.redis_url,
        KUBEORCH_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="kubeorch.settings",
    )
    os.environ.pop("KUBEORCH_TEST_DB_NAME", None)
    _flush_redis(stack.redis_url)
    layer = os.environ.get("BENCH_CHANNEL_LAYER", "")
    if layer:
        use_channel_layer(stack, layer)
    return stack


LAYERS = {
    "redis": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def use_channel_layer(stack: Stack, layer: str) -> None:
    """Run this process and its children with another channel layer backend (to compare):
    a settings module in the bench's temp dir that imports the product's and overrides it."""
    backend = LAYERS.get(layer, layer)
    (stack.data_dir / "bench_settings.py").write_text(
        "from kubeorch.settings import *  # noqa: F403\n"
        f"CHANNEL_LAYERS = {{'default': {{'BACKEND': {backend!r}, "
        f"'CONFIG': {{'hosts': [{stack.redis_url!r}]}}}}}}\n"
    )
    sys.path.insert(0, str(stack.data_dir))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(stack.data_dir), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"


def _flush_redis(url: str) -> None:
    """The bench's own Redis database starts empty (no queued tasks from an earlier run)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def setup_django(stack: Stack) -> None:
    """django.setup() and migrate the bench's database (quietly)."""
    import django
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT))
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def make_user_and_token(username: str) -> tuple[Any, str, Any]:
    """A user with a personal team (and its `sandbox` cluster) and an API token."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from workflows.actions.teams import create_personal_team

    user = get_user_model().objects.create_user(username, f"{username}@bench.local", None)
    team = create_personal_team(user)
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key, team


def serve(stack: Stack, port: int, timeout: float = 60) -> subprocess.Popen:
    """`manage.py serve` (Daphne) on loopback, waited for until it accepts connections."""
    profile = os.environ.get("BENCH_PROFILE_SERVER")  # a path: cProfile the server into it
    process = stack.start(
        "serve",
        [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), "manage.py",
         "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sandbox"],
    )
    try:
        wait_for_port(port, timeout, process)
        # With KUBEORCH_WEB_WORKERS=N the first worker up takes every connection until the
        # others listen too: wait for all N.
        workers = int(os.environ.get("KUBEORCH_WEB_WORKERS", 1))
        deadline = time.monotonic() + timeout
        while stack.log_tail("serve", 200).count("Listening on") < workers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{workers} workers never listened")
            time.sleep(0.2)
    except Exception:
        print(stack.log_tail("serve"), file=sys.stderr)
        raise
    return process
