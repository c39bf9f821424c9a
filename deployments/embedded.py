"""The Celery worker and beat that run inside the main process when no broker is configured.

Same tasks, same code: only the transport differs (the in-memory broker instead of Redis).
"""

import threading

from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from kubeorch.celery import app

_started = threading.Event()


def start_embedded_worker() -> None:
    if _started.is_set():
        return
    _started.set()
    worker = start_worker(
        app, pool=settings.CELERY_WORKER_POOL, concurrency=settings.CELERY_WORKER_CONCURRENCY,
        perform_ping_check=False,
        shutdown_timeout=10, loglevel="WARNING",
    )
    # start_worker is a context manager; entering it starts the worker thread, which then lives
    # as long as the process (a daemon thread).
    worker.__enter__()
    # Beat sends the periodic tasks (the lost-run reaper, schedules) to the same broker. The
    # service ignores beat_scheduler unless told, and would fall back to a file in the cwd.
    EmbeddedService(app, thread=True, scheduler_cls=settings.CELERY_BEAT_SCHEDULER).start()
    # The embedded worker sends no worker_ready signal: start the live-health watchers here.
    from deployments.watchers import get_hub

    get_hub().start()
