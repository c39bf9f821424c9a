"""The TTL-after-finished controller: a Job with `ttlSecondsAfterFinished` is deleted (with
foreground propagation, so its pods go first) once that long has passed since it finished."""

from __future__ import annotations

import contextlib

from .. import deletion
from .. import resources as R
from ..errors import ApiError
from ..util import dig, parse_iso
from .base import Context, condition
from .batch import job_finished

TTL_CONTROLLER = "ttl-after-finished-controller"


class TTLAfterFinishedController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        now = self.ctx.now()
        for job in self.ctx.store.list(R.JOBS)[0]:
            ttl = dig(job, "spec", "ttlSecondsAfterFinished")
            if ttl is None or job["metadata"].get("deletionTimestamp"):
                continue
            finished = job_finished(job)
            if finished is None:
                continue
            # The real controller measures from the finish condition's transition time.
            since = (condition(job, finished) or {}).get("lastTransitionTime") \
                or dig(job, "status", "completionTime")
            if since and now >= parse_iso(since) + int(ttl):
                with contextlib.suppress(ApiError):
                    deletion.delete(self.ctx.api, R.JOBS, job["metadata"]["namespace"],
                                    job["metadata"]["name"], "Foreground")
