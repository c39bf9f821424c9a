"""`manage.py serve`: the main command. Embedded by default, production with DATABASE_URL/REDIS_URL.

Embedded: migrates SQLite, creates a demo login, starts the sandbox cluster and a Celery worker in
this process, and serves HTTP + WebSockets with Daphne. With REDIS_URL set the worker and beat run
as their own processes (`celery -A kubeorch worker|beat`), and this command only serves, with
`--workers N` (KUBEORCH_WEB_WORKERS) Daphne processes on one port (SO_REUSEPORT).
"""

import argparse
import gc
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

log = logging.getLogger(__name__)

DEMO_USER = "demo"

# Collect the youngest generation every 10,000 net allocations instead of 700 (see below).
GC_THRESHOLDS = (10_000, 10, 10)


def quiet_garbage_collector() -> None:
    """Keep the cyclic garbage collector's pauses out of event delivery.

    Measured with bench/events.py (500 open streams per process): a full collection walked the
    ~260,000 objects of the loaded modules plus every connection's, and stopped the loop for
    100-500 ms every few seconds, which was the whole p99. Freezing what exists once set up
    (modules, classes, settings: never garbage) takes those out of every collection. At the
    default threshold of 700, young collections also ran in the middle of pushes (an event's
    writes to 500 streams are about that many live objects for a moment) and promoted what
    was in flight, so full collections still came every ~5 s; at 10,000 none came within the
    bench's 20 s windows."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Command(BaseCommand):
    help = "Serve KubeOrch (HTTP + WebSockets); embedded sandbox and worker unless configured."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-sandbox", action="store_true", help="do not start the sandbox")
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KUBEORCH_WEB_WORKERS", 1)),
            help="Daphne processes on the port (production mode only; default 1)",
        )
        parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)

    def handle(
        self, *args: Any, host: str, port: int, no_sandbox: bool, workers: int, worker: bool,
        **options: Any,
    ) -> None:
        if worker:  # one of `--workers N`: the parent did the setup
            self.serve(host, port, reuse_port=True)
            return
        if workers > 1 and settings.CELERY_EMBEDDED_WORKER:
            # The embedded mode's in-memory channel layer, sandbox and worker are per process.
            raise CommandError("--workers needs the production mode (REDIS_URL, DATABASE_URL)")
        call_command("migrate", interactive=False, verbosity=0)
        password = self.demo_password()
        if settings.KUBEORCH_SANDBOX and not no_sandbox:
            self.start_sandbox()
        if settings.CELERY_EMBEDDED_WORKER:
            from deployments.embedded import start_embedded_worker

            start_embedded_worker()
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"KubeOrch is ready at {url}"))
        self.stdout.write(f"  sign in as {DEMO_USER} / {password}")
        self.stdout.write(f"  API docs: {url}/v1/api/docs/   admin: {url}/admin/")
        self.stdout.flush()
        if workers > 1:
            self.supervise(host, port, workers)
        else:
            self.serve(host, port)

    def demo_password(self) -> str:
        """The demo login's password is generated once and kept in the data dir (0600)."""
        path = settings.DATA_DIR / "demo_password"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(12))
        password = path.read_text().strip()
        users = get_user_model().objects
        user = users.filter(username=DEMO_USER).first()
        if user is None:
            users.create_superuser(DEMO_USER, f"{DEMO_USER}@kubeorch.local", password)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        return password

    def start_sandbox(self) -> None:
        from deployments.sandbox import SandboxCluster

        sandbox = SandboxCluster(host="127.0.0.1", port=0).start()
        sandbox.write_kubeconfig(settings.KUBEORCH_SANDBOX_KUBECONFIG)
        self.stdout.write(
            f"  sandbox cluster at {sandbox.url} "
            f"(kubectl --kubeconfig {settings.KUBEORCH_SANDBOX_KUBECONFIG} get pods -A)"
        )

    def supervise(self, host: str, port: int, workers: int) -> None:
        """Run `workers` Daphne processes on one port and stop them all when one ends or we
        are told to stop. Each process fans events out to its own streams
        (deployments.fanout), so an event costs one channel-layer message per process."""
        from django.db import connections

        connections.close_all()
        argv = [sys.executable, sys.argv[0], "serve", "--worker", "--host", host,
                "--port", str(port)]
        children = [subprocess.Popen(argv) for _ in range(workers)]
        stopping: list[int] = []

        def stop(signum: int, _frame: Any) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    def serve(self, host: str, port: int, reuse_port: bool = False) -> None:
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from kubeorch.asgi import application

        # The static wrapper serves the built frontend and admin assets without a web server.
        application.application_mapping["http"] = ASGIStaticFilesHandler(
            application.application_mapping["http"]
        )
        if reuse_port:
            # Every worker listens on a socket of its own on the same port; the kernel spreads
            # the connections across them. The backlog: 1,000 clients connect at once.
            # IPv4 only: Twisted's `fd:` endpoint adopts AF_INET sockets.
            sock = socket.socket(socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(1024)
            sock.setblocking(False)
            endpoints = [f"fd:fileno={sock.fileno()}"]
        else:
            endpoints = build_endpoint_description_strings(host=host, port=port)
        quiet_garbage_collector()
        Server(
            application=application,
            endpoints=endpoints,
            websocket_timeout=86400,
            # Daphne drops a WebSocket whose handshake (our connect(): token, authorization,
            # resume point, each a database trip) is not done in 5 s; after a restart 1,000
            # browsers reconnect at once and queue there. Same limit as the connect timeout.
            websocket_handshake_timeout=20,
            http_timeout=None,
        ).run()
