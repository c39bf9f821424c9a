"""A live Daphne server (the product's ASGI application) in a *spawned* child process.

`ChannelsLiveServerTestCase` forks, which is only safe before the session's Celery worker and
sandbox threads exist (tests/conftest.py orders the browser tests first for that). A spawned
child shares no threads or locks with this process: it imports Django afresh, reads the same
environment (DATABASE_URL, REDIS_URL, KUBEORCH_TEST_DB_NAME from scripts/with-services), and
applies the setting overrides it is given before the application is built.
"""

import multiprocessing
import os
from functools import partial
from typing import Any

from daphne.testing import DaphneProcess


def _application(overrides: dict[str, Any]) -> Any:
    """Runs in the child: settings first (the test database, the overrides), then the app."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeorch.settings")
    from django.conf import settings

    for name, value in overrides.items():
        setattr(settings, name, value)
    database = settings.DATABASES["default"]
    database["NAME"] = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    from channels.routing import get_default_application

    return get_default_application()


class SpawnedDaphne(DaphneProcess):
    def __init__(self, overrides: dict[str, Any], host: str = "127.0.0.1") -> None:
        super().__init__(host, partial(_application, overrides))
        context = multiprocessing.get_context("spawn")
        # Synchronisation objects must come from the spawn context to cross into the child.
        self.port = context.Value("i", 0)
        self.ready = context.Event()
        self.errors = context.Queue()

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return multiprocessing.get_context("spawn").Process._Popen(process_obj)

    def start_and_wait(self, timeout: float = 60) -> str:
        self.start()
        if not self.ready.wait(timeout):
            error = self.errors.get(timeout=1) if not self.errors.empty() else None
            self.terminate()
            raise RuntimeError(f"Daphne did not start: {error}")
        return f"http://{self.host}:{self.port.value}"

    def stop(self) -> None:
        self.terminate()
        self.join(10)
