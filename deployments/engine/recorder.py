"""Writes what a run does: node states and log lines, each with its event, as it happens."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from deployments import run_events
from deployments.models import NodeState, Run, RunLog


class RunRecorder:
    def __init__(self, run: Run):
        self.run = run
        self.seq = RunLog.objects.filter(run=run).aggregate(m=Max("seq"))["m"] or 0
        self.states: dict[str, tuple[str, str, dict]] = {
            s.node_id: (s.health, s.message, s.details) for s in NodeState.objects.filter(run=run)
        }

    def log(self, message: str, *, level: str = "info", node_id: str = "") -> None:
        self.seq += 1
        with transaction.atomic():
            entry = RunLog.objects.create(
                run=self.run, seq=self.seq, level=level, node_id=node_id, message=message
            )
            run_events.run_log(self.run, entry.seq, entry.ts.isoformat(), level, node_id, message)

    def node(
        self,
        node_id: str,
        kind: str,
        health: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Record a node's health; only a change is written and announced. True if changed."""
        details = details or {}
        if self.states.get(node_id) == (health, message, details):
            return False
        self.states[node_id] = (health, message, details)
        with transaction.atomic():
            NodeState.objects.update_or_create(
                run=self.run,
                node_id=node_id,
                defaults={"kind": kind, "health": health, "message": message, "details": details},
            )
            run_events.node_status_changed(self.run, node_id, health, message, details)
        return True
