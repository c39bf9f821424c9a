"""Stage log lines: kept in the database (they outlive the build Job) and streamed as
`artifact.log` events, in batches so a chatty build does not write one row per line."""

import time

from django.db.models import Max

from deployments.artifacts import events
from deployments.models.artifacts import ArtifactLog, ArtifactRevision

FLUSH_SECONDS = 0.5
FLUSH_LINES = 200
MAX_LINE = 4000


class LogSink:
    def __init__(self, revision: ArtifactRevision, team_id: int) -> None:
        self.revision, self.team_id = revision, team_id
        last = ArtifactLog.objects.filter(revision=revision).aggregate(n=Max("seq"))["n"]
        self.seq = last or 0
        self.pending: list[ArtifactLog] = []
        self.flushed_at = time.monotonic()

    def line(self, stage: str, text: str) -> None:
        self.seq += 1
        self.pending.append(ArtifactLog(revision=self.revision, stage=stage, seq=self.seq,
                                        line=text[:MAX_LINE]))
        if (len(self.pending) >= FLUSH_LINES
                or time.monotonic() - self.flushed_at >= FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        self.flushed_at = time.monotonic()
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        ArtifactLog.objects.bulk_create(batch)
        by_stage: dict[str, list[tuple[int, str]]] = {}
        for row in batch:
            by_stage.setdefault(row.stage, []).append((row.seq, row.line))
        for stage, lines in by_stage.items():
            events.log_lines(self.team_id, self.revision.artifact_id, self.revision.number,
                             stage, lines)
