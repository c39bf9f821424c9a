"""Writes what a run does: node states and log lines, each with its event, as it happens.

Several entries of one step (a wave's results, a check's health changes) are written together:
one transaction, one INSERT per table and one batch of events, in the order they were given. A
ten-node wave cost 30 transactions and 30 separate event writes and wake-ups before.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from deployments import run_events
from deployments.models import NodeState, Run, RunLog


@dataclass(frozen=True)
class Log:
    message: str
    level: str = "info"
    node_id: str = ""


@dataclass(frozen=True)
class Node:
    node_id: str
    kind: str
    health: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


Entry = Log | Node


class RunRecorder:
    def __init__(self, run: Run):
        self.run = run
        self.seq = RunLog.objects.filter(run=run).aggregate(m=Max("seq"))["m"] or 0
        self.states: dict[str, tuple[str, str, dict]] = {
            s.node_id: (s.health, s.message, s.details) for s in NodeState.objects.filter(run=run)
        }

    def log(self, message: str, *, level: str = "info", node_id: str = "") -> None:
        self.write([Log(message, level, node_id)])

    def node(
        self,
        node_id: str,
        kind: str,
        health: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Record a node's health; only a change is written and announced. True if changed."""
        return bool(self.write([Node(node_id, kind, health, message, details or {})]))

    def write(self, entries: Iterable[Entry]) -> list[Entry]:
        """Write the log lines and the node states that changed; returns what was written."""
        written: list[tuple[Entry, RunLog | None]] = []
        states: dict[str, NodeState] = {}
        for entry in entries:
            if isinstance(entry, Log):
                self.seq += 1
                written.append((entry, RunLog(run=self.run, seq=self.seq, level=entry.level,
                                              node_id=entry.node_id, message=entry.message)))
                continue
            details = entry.details or {}
            state = (entry.health, entry.message, details)
            if self.states.get(entry.node_id) == state:
                continue
            self.states[entry.node_id] = state
            states[entry.node_id] = NodeState(
                run=self.run, node_id=entry.node_id, kind=entry.kind, health=entry.health,
                message=entry.message, details=details)
            written.append((entry, None))
        if written:
            with transaction.atomic():
                RunLog.objects.bulk_create(line for _, line in written if line is not None)
                NodeState.objects.bulk_create(
                    states.values(), update_conflicts=True, unique_fields=["run", "node_id"],
                    update_fields=["kind", "health", "message", "details", "updated_at"])
                run_events.emit_recorded(self.run, [_event(e, line) for e, line in written])
        return [entry for entry, _ in written]


def _event(entry: Entry, line: RunLog | None) -> tuple[str, dict[str, Any]]:
    if line is not None:
        return "run.log", {"seq": line.seq, "ts": line.ts.isoformat(), "level": line.level,
                           "node_id": line.node_id, "message": line.message}
    assert isinstance(entry, Node)
    return "node.status_changed", {"node_id": entry.node_id, "health": entry.health,
                                   "message": entry.message, "details": entry.details or {}}
