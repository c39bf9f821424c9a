"""Celery wiring: a worker starts the hub when ready and stops it on shutdown; beat asks every
process that runs the task to sync, which also starts a standby hub where none runs yet (the
embedded worker, prefork children), so a new owner appears when the current one dies."""

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

log = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(getattr(settings, "KUBEORCH_WATCHERS_ENABLED", True))


@shared_task(name="deployments.sync_watchers", ignore_result=True)
def sync_watchers() -> bool:
    """Start this process's hub if needed and reconcile it now. True if it holds the lease."""
    if not enabled():
        return False
    from deployments.watchers import get_hub

    hub = get_hub()
    hub.start()
    return hub.sync()


@worker_ready.connect(weak=False)
def start_watchers(**_: Any) -> None:
    if not enabled():
        return
    from deployments.watchers import get_hub

    get_hub().start()


@worker_shutdown.connect(weak=False)
def stop_watchers(**_: Any) -> None:
    from deployments.watchers import current_hub

    hub = current_hub()
    if hub is not None:
        hub.stop()
