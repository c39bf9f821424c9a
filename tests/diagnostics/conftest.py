"""Diagnostics run workflows for real: reuse the run engine's worker and fast timings."""

from tests.runs.conftest import celery_worker_thread, engine, wait_for_run  # noqa: F401
