"""`manage.py serve`: the main command. Embedded by default, production with DATABASE_URL/REDIS_URL.

Embedded: migrates SQLite, creates a demo login, starts the sandbox cluster and a Celery worker in
this process, and serves HTTP + WebSockets with Daphne. With REDIS_URL set the worker and beat run
as their own processes (`celery -A kubeorch worker|beat`), and this command only serves.
"""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

log = logging.getLogger(__name__)

DEMO_USER = "demo"


class Command(BaseCommand):
    help = "Serve KubeOrch (HTTP + WebSockets); embedded sandbox and worker unless configured."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-sandbox", action="store_true", help="do not start the sandbox")

    def handle(self, *args: Any, host: str, port: int, no_sandbox: bool, **options: Any) -> None:
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

    def serve(self, host: str, port: int) -> None:
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from kubeorch.asgi import application

        # The static wrapper serves the built frontend and admin assets without a web server.
        application.application_mapping["http"] = ASGIStaticFilesHandler(
            application.application_mapping["http"]
        )
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            websocket_timeout=86400,
            http_timeout=None,
        ).run()
