"""The run engine: applies a version to its cluster in waves, waits for health, records all."""

from deployments.engine.runner import execute

__all__ = ["execute"]
