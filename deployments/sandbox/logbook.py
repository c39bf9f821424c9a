"""Container log storage: one list of timestamped lines per container instance, with a
condition variable so `follow=true` readers wake when lines arrive."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

LineKey = tuple[str, str]  # (pod uid, container name)


@dataclass
class Line:
    at: float
    text: str


@dataclass
class ContainerLog:
    instances: list[list[Line]] = field(default_factory=list)
    finished: bool = False  # the current instance has exited (follow streams end)


class LogBook:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._logs: dict[LineKey, ContainerLog] = {}
        self._generation = 0  # bumped by interrupt() to end every follower

    def new_instance(self, key: LineKey) -> None:
        with self._cond:
            log = self._logs.setdefault(key, ContainerLog())
            log.instances.append([])
            log.finished = False
            self._cond.notify_all()

    def append(self, key: LineKey, at: float, text: str) -> None:
        with self._cond:
            log = self._logs.setdefault(key, ContainerLog())
            if not log.instances:
                log.instances.append([])
            log.instances[-1].append(Line(at, text))
            self._cond.notify_all()

    def finish(self, key: LineKey) -> None:
        with self._cond:
            if key in self._logs:
                self._logs[key].finished = True
                self._cond.notify_all()

    def forget(self, pod_uid: str) -> None:
        with self._cond:
            for key in [k for k in self._logs if k[0] == pod_uid]:
                del self._logs[key]
            self._cond.notify_all()

    def lines(self, key: LineKey, previous: bool = False) -> list[Line] | None:
        """Current instance, or with `previous` the last one that terminated (which is the
        current one while a crashed container waits in CrashLoopBackOff)."""
        with self._cond:
            log = self._logs.get(key)
            if log is None or not log.instances:
                return None
            if not previous:
                return list(log.instances[-1])
            if log.finished:
                return list(log.instances[-1])
            return list(log.instances[-2]) if len(log.instances) > 1 else None

    def instance_count(self, key: LineKey) -> int:
        with self._cond:
            log = self._logs.get(key)
            return len(log.instances) if log else 0

    def wait_beyond(self, key: LineKey, instance: int, seen: int,
                    timeout: float) -> tuple[list[Line], str]:
        """Block until the instance has more than `seen` lines. Returns (new lines, state):
        "open", "ended" (the container exited or the pod is gone) or "cut" (interrupt())."""
        with self._cond:
            generation = self._generation
            self._cond.wait_for(lambda: self._has_news(key, instance, seen)
                                or generation != self._generation, timeout)
            if generation != self._generation:
                return [], "cut"
            log = self._logs.get(key)
            if log is None or len(log.instances) <= instance:
                return [], "ended"
            lines = log.instances[instance]
            ended = log.finished or len(log.instances) > instance + 1
            return list(lines[seen:]), "ended" if ended else "open"

    def _has_news(self, key: LineKey, instance: int, seen: int) -> bool:
        log = self._logs.get(key)
        if log is None or len(log.instances) <= instance:
            return True
        return len(log.instances[instance]) > seen or log.finished \
            or len(log.instances) > instance + 1

    def interrupt(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
