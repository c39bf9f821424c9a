"""What every simulated controller shares: clock, config, status writes, events, conditions."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from .. import resources as R
from ..api import Api
from ..errors import ApiError
from ..logbook import LogBook
from ..resources import ResourceType
from ..util import Obj, dig, now_iso


@dataclass
class SimConfig:
    pod_start_delay: float = 0.3
    progress_deadline_scale: float = 0.01
    log_interval: float = 1.0


class Context:
    def __init__(self, api: Api, config: SimConfig, logs: LogBook) -> None:
        self.api = api
        self.store = api.store
        self.config = config
        self.logs = logs
        self._event_names: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._event_counter = itertools.count(1)

    @staticmethod
    def now() -> float:
        return time.time()

    # -- writes ----------------------------------------------------------------------------
    def write_status(self, rt: ResourceType, obj: Obj, status: Obj, manager: str) -> Obj:
        """Persist `status` if it differs from what is stored; tolerate concurrent deletion."""
        if obj.get("status") == status:
            return obj
        updated = dict(obj)
        updated["status"] = status
        updated["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
        try:
            return self.api.update(rt, obj["metadata"].get("namespace"),
                                   obj["metadata"]["name"], updated, manager,
                                   subresource="status")
        except ApiError:
            return obj

    def write_object(self, rt: ResourceType, obj: Obj, manager: str) -> Obj | None:
        clean = dict(obj)
        clean["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
        try:
            return self.api.update(rt, obj["metadata"].get("namespace"),
                                   obj["metadata"]["name"], clean, manager)
        except ApiError:
            return None

    def create(self, rt: ResourceType, namespace: str | None, obj: Obj,
               manager: str) -> Obj | None:
        try:
            return self.api.create(rt, namespace, obj, manager)
        except ApiError:
            return None

    # -- events ----------------------------------------------------------------------------
    def event(self, involved: Obj, kind: str, reason: str, message: str, component: str,
              field_path: str | None = None) -> None:
        """Record a core/v1 Event; repeats of the same reason+message bump `count`."""
        meta = involved["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), reason, message)
        now = now_iso()
        known = self._event_names.get(key)
        existing = self.store.get(R.EVENTS, known[0], known[1]) if known else None
        if existing is not None:
            existing["count"] = existing.get("count", 1) + 1
            existing["lastTimestamp"] = now
            existing["metadata"].pop("resourceVersion", None)
            self.api.update(R.EVENTS, namespace, existing["metadata"]["name"], existing, component)
            return
        name = f"{meta['name']}.{int(time.time() * 1e9) + next(self._event_counter):x}"
        involved_ref: dict[str, Any] = {
            "kind": involved.get("kind"), "namespace": meta.get("namespace"), "name": meta["name"],
            "uid": meta.get("uid"), "apiVersion": involved.get("apiVersion"),
            "resourceVersion": meta.get("resourceVersion")}
        if field_path:
            involved_ref["fieldPath"] = field_path
        created = self.create(R.EVENTS, namespace, {
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {k: v for k, v in involved_ref.items() if v is not None},
            "reason": reason, "message": message, "type": kind, "count": 1,
            "source": {"component": component, **(
                {"host": "sandbox-node"} if component == "kubelet" else {})},
            "firstTimestamp": now, "lastTimestamp": now, "eventTime": None,
            "reportingComponent": component, "reportingInstance": "sandbox-node"
            if component == "kubelet" else "",
        }, component)
        if created:
            self._event_names[key] = (namespace, name)


def set_condition(conditions: list[Obj], kind: str, status: str, reason: str | None = None,
                  message: str | None = None, with_update_time: bool = False) -> list[Obj]:
    """Upsert a condition, keeping its timestamps unless status/reason/message change."""
    now = now_iso()
    result = [dict(c) for c in conditions]
    existing = next((c for c in result if c.get("type") == kind), None)
    new: Obj = {"type": kind, "status": status}
    if reason:
        new["reason"] = reason
    if message:
        new["message"] = message
    if existing and all(existing.get(k) == new.get(k) for k in ("status", "reason", "message")):
        return result
    new["lastTransitionTime"] = (existing or {}).get("lastTransitionTime", now) \
        if existing and existing.get("status") == status else now
    if with_update_time:
        new["lastUpdateTime"] = now
    if existing:
        result[result.index(existing)] = new
    else:
        result.append(new)
    return result


def condition(obj: Obj, kind: str) -> Obj | None:
    return next((c for c in dig(obj, "status", "conditions", default=[])
                 if c.get("type") == kind), None)

