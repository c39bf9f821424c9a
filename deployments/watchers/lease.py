"""The watchers' lease: one row, taken and renewed by compare-and-swap like a run's lease."""

import contextlib
import logging
import time
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError
from django.db.models import Q
from django.utils import timezone

from deployments.models import WatcherLease

log = logging.getLogger(__name__)

LEASE_NAME = "node-health"


class Lease:
    """Holds the lease for `owner`. `held` is only trusted until the last renewal's expiry
    (measured on this process's monotonic clock), so a process that cannot reach the database
    stops watching before another one may take over."""

    def __init__(self, owner: str, seconds: float, name: str = LEASE_NAME):
        self.owner = owner
        self.seconds = seconds
        self.name = name
        self._valid_until = 0.0

    @property
    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, or renew it if ours. True if we hold it."""
        started = time.monotonic()
        try:
            taken = self._compare_and_swap()
        except DatabaseError:
            log.warning("watchers: cannot renew the lease", exc_info=True)
            return self.held
        # Count from before the UPDATE: the row's expiry is at least that far away.
        self._valid_until = started + self.seconds if taken else 0.0
        return taken

    def release(self) -> None:
        """Expire the lease now (if ours) so a standby takes over without waiting."""
        self._valid_until = 0.0
        try:
            WatcherLease.objects.filter(name=self.name, owner=self.owner).update(
                owner="", expires_at=timezone.now()
            )
        except DatabaseError:
            log.warning("watchers: cannot release the lease", exc_info=True)

    def _compare_and_swap(self) -> bool:
        now = timezone.now()
        self._ensure_row(now)
        expires = now + timedelta(seconds=self.seconds)
        mine = WatcherLease.objects.filter(name=self.name, owner=self.owner)
        if mine.update(expires_at=expires):
            return True
        free = WatcherLease.objects.filter(name=self.name).filter(
            Q(owner="") | Q(expires_at__lt=now)
        )
        if free.update(owner=self.owner, expires_at=expires, acquired_at=now):
            log.info("watchers: %s took the lease", self.owner)
            return True
        return False

    def _ensure_row(self, now: datetime) -> None:
        if WatcherLease.objects.filter(name=self.name).exists():
            return
        # Another process may create it first: fine, it is then free or held.
        with contextlib.suppress(IntegrityError):
            WatcherLease.objects.create(name=self.name, owner="", expires_at=now)
