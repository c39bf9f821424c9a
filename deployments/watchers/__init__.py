"""Live node health after a run: one watch per resource type per cluster and namespace, owned
by a single process (lease), rebuilt from the database by `sync()`. See hub.py."""

import os
import threading

from deployments.watchers.hub import WatchHub

_hub: WatchHub | None = None
_hub_lock = threading.Lock()


def get_hub() -> WatchHub:
    """This process's hub (created on first use; started by the worker and the beat task)."""
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = WatchHub()
        return _hub


def _forget_hub_after_fork() -> None:
    # A forked child (a prefork pool process) inherits the hub object but none of its threads,
    # and its owner string: it must never renew the parent's lease as if it were the parent.
    global _hub
    _hub = None


os.register_at_fork(after_in_child=_forget_hub_after_fork)


def current_hub() -> WatchHub | None:
    """The hub if this process made one (shutdown must not create one just to stop it)."""
    return _hub


__all__ = ["WatchHub", "current_hub", "get_hub"]
