"""Deployment and ReplicaSet controllers: template hashing, revisions, rolling updates that
keep the old ReplicaSet serving until the new pods are ready, real-shaped statuses."""

from __future__ import annotations

from collections.abc import Callable

from .. import deletion
from .. import resources as R
from ..util import Obj, deep, dig, owner_ref, stable_hash
from .base import Context, set_condition
from .pods import (
    controlled_by,
    create_pod,
    delete_pod,
    is_active,
    is_ready,
    owned,
    random_suffix,
    sort_for_deletion,
)

DEPLOYMENT_CONTROLLER = "deployment-controller"
REPLICASET_CONTROLLER = "replicaset-controller"
REVISION = "deployment.kubernetes.io/revision"


def _complete(deployment: Obj) -> bool:
    return any(c.get("type") == "Progressing" and c.get("reason") == "NewReplicaSetAvailable"
               for c in dig(deployment, "status", "conditions", default=[]))


def _scaled_value(value: object, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = total * int(value[:-1]) / 100
        return int(-(-exact // 1)) if round_up else int(exact)
    return int(value or 0)  # type: ignore[call-overload]


def _fingerprint(ctx: Context, owner: Obj, rt: R.ResourceType) -> tuple[str, ...]:
    """The resourceVersions of an owner and of the objects it controls, read without copying
    (the caller holds the store lock): equal fingerprints, same world."""
    controlled = controlled_by(owner)
    children = ctx.store.scan(rt, owner["metadata"].get("namespace"))
    return (owner["metadata"].get("resourceVersion", ""),
            *(obj["metadata"].get("resourceVersion", "") for obj in children if controlled(obj)))


Fingerprints = dict[str, tuple[str, ...]]  # owner uid -> _fingerprint at its last sync


def _sync_changed(ctx: Context, rt: R.ResourceType, children: R.ResourceType,
                  synced: Fingerprints, settled: Callable[[Obj], bool],
                  sync: Callable[[Obj], None]) -> Fingerprints:
    """sync(a copy of) every owner of `rt` not being deleted, except one whose fingerprint is
    the one in `synced` and that its last sync left settled: its sync would write nothing.
    Returns this pass's fingerprints, for the next pass."""
    current: Fingerprints = {}
    for stored in ctx.store.scan(rt):
        if stored["metadata"].get("deletionTimestamp"):
            continue
        uid = stored["metadata"]["uid"]
        current[uid] = _fingerprint(ctx, stored, children)
        if synced.get(uid) != current[uid] or not settled(stored):
            sync(deep(stored))
    return current


def _satisfied(rs: Obj) -> bool:
    """Did the last sync get all its pods? A pod it could not create (admission refused it)
    is retried at every tick."""
    return dig(rs, "status", "replicas", default=0) == dig(rs, "spec", "replicas", default=1)


class ReplicaSetController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # A ReplicaSet's sync depends on it and its pods only (no clock): when neither changed
        # since, it is skipped rather than copying every ReplicaSet and its pods at every tick.
        self._synced: Fingerprints = {}

    def reconcile(self) -> None:
        self._synced = _sync_changed(self.ctx, R.REPLICASETS, R.PODS, self._synced, _satisfied,
                                     self._sync)

    def _sync(self, rs: Obj) -> None:
        pods = [p for p in owned(self.ctx, R.PODS, rs) if is_active(p)]
        wanted = dig(rs, "spec", "replicas", default=1)
        if len(pods) < wanted:
            template = rs["spec"].get("template") or {}
            for _ in range(wanted - len(pods)):
                name = f"{rs['metadata']['name']}-{random_suffix(rs['metadata']['uid'])}"
                created = create_pod(self.ctx, rs, template, name, {}, REPLICASET_CONTROLLER)
                if created:
                    pods.append(created)
                    self.ctx.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {name}",
                                   REPLICASET_CONTROLLER)
        elif len(pods) > wanted:
            for pod in sort_for_deletion(pods)[: len(pods) - wanted]:
                delete_pod(self.ctx, pod)
                pods.remove(pod)
                self.ctx.event(rs, "Normal", "SuccessfulDelete",
                               f"Deleted pod: {pod['metadata']['name']}", REPLICASET_CONTROLLER)
        ready = sum(1 for p in pods if is_ready(p))
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
                  "readyReplicas": ready, "availableReplicas": ready,
                  "observedGeneration": rs["metadata"].get("generation", 1)}
        if not ready:
            del status["readyReplicas"], status["availableReplicas"]
        self.ctx.write_status(R.REPLICASETS, rs, status, REPLICASET_CONTROLLER)


class DeploymentController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # deployment uid -> (template hash, time of last progress, available seen then)
        self._progress: dict[str, tuple[str, float, int]] = {}
        self._synced: Fingerprints = {}  # as in ReplicaSetController

    def reconcile(self) -> None:
        # Only a complete rollout is clock-free: one in progress can miss its deadline.
        self._synced = _sync_changed(self.ctx, R.DEPLOYMENTS, R.REPLICASETS, self._synced,
                                     _complete, self._sync)

    def _sync(self, deployment: Obj) -> None:
        spec = deployment["spec"]
        template_hash = stable_hash(spec.get("template"))
        replica_sets = owned(self.ctx, R.REPLICASETS, deployment)
        new_rs = next((rs for rs in replica_sets if dig(
            rs, "metadata", "labels", "pod-template-hash") == template_hash), None)
        revisions = [int(dig(rs, "metadata", "annotations", REVISION, default="0"))
                     for rs in replica_sets]
        newest = max(revisions, default=0)
        if new_rs is None:
            new_rs = self._create_rs(deployment, template_hash, newest + 1)
            if new_rs is None:
                return
            replica_sets.append(new_rs)
        elif int(dig(new_rs, "metadata", "annotations", REVISION, default="0")) < newest:
            new_rs["metadata"]["annotations"][REVISION] = str(newest + 1)  # a rollback
            new_rs = self.ctx.write_object(R.REPLICASETS, new_rs, DEPLOYMENT_CONTROLLER) or new_rs
        old = [rs for rs in replica_sets if rs["metadata"]["uid"] != new_rs["metadata"]["uid"]]
        if not spec.get("paused"):
            self._scale(deployment, new_rs, old)
        self._prune_history(deployment, old)
        self._annotate_revision(deployment, new_rs)
        self._write_status(deployment, new_rs, old)

    def _create_rs(self, deployment: Obj, template_hash: str, revision: int) -> Obj | None:
        template = deep(deployment["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = \
            template_hash
        selector = deep(deployment["spec"]["selector"])
        selector.setdefault("matchLabels", {})["pod-template-hash"] = template_hash
        name = f"{deployment['metadata']['name']}-{template_hash}"
        replicas = dig(deployment, "spec", "replicas", default=1)
        return self.ctx.create(R.REPLICASETS, deployment["metadata"]["namespace"], {
            "metadata": {"name": name, "labels": template["metadata"]["labels"],
                         "annotations": {REVISION: str(revision),
                                         "deployment.kubernetes.io/desired-replicas":
                                             str(replicas),
                                         "deployment.kubernetes.io/max-replicas": str(replicas)},
                         "ownerReferences": [owner_ref(deployment)]},
            "spec": {"replicas": 0, "selector": selector, "template": template}},
            DEPLOYMENT_CONTROLLER)

    def _set_replicas(self, deployment: Obj, rs: Obj, replicas: int) -> None:
        current = rs["spec"].get("replicas", 0)
        if current == replicas:
            return
        rs["spec"]["replicas"] = replicas
        if self.ctx.write_object(R.REPLICASETS, rs, DEPLOYMENT_CONTROLLER):
            verb = "up" if replicas > current else "down"
            self.ctx.event(deployment, "Normal", "ScalingReplicaSet",
                           f"Scaled {verb} replica set {rs['metadata']['name']} from {current} "
                           f"to {replicas}", DEPLOYMENT_CONTROLLER)

    def _scale(self, deployment: Obj, new_rs: Obj, old: list[Obj]) -> None:
        wanted = deployment["spec"].get("replicas", 1)
        recreate = dig(deployment, "spec", "strategy", "type") == "Recreate"
        old_running = sum(dig(rs, "status", "replicas", default=0) for rs in old)
        if recreate:
            for rs in old:
                self._set_replicas(deployment, rs, 0)
            if old_running == 0:
                self._set_replicas(deployment, new_rs, wanted)
            return
        self._set_replicas(deployment, new_rs, wanted)
        # Old pods keep serving until enough new pods are ready to replace them.
        budget = max(0, wanted - dig(new_rs, "status", "availableReplicas", default=0))
        for rs in sorted(old, key=lambda r: r["metadata"]["creationTimestamp"], reverse=True):
            keep = min(rs["spec"].get("replicas", 0), budget)
            budget -= keep
            self._set_replicas(deployment, rs, keep)

    def _prune_history(self, deployment: Obj, old: list[Obj]) -> None:
        limit = deployment["spec"].get("revisionHistoryLimit", 10)
        idle = [rs for rs in old if not rs["spec"].get("replicas")
                and not dig(rs, "status", "replicas")]
        idle.sort(key=lambda rs: int(dig(rs, "metadata", "annotations", REVISION, default="0")))
        for rs in idle[: max(0, len(idle) - limit)]:
            deletion.delete(self.ctx.api, R.REPLICASETS, rs["metadata"]["namespace"],
                            rs["metadata"]["name"], "Background")

    def _annotate_revision(self, deployment: Obj, new_rs: Obj) -> None:
        revision = dig(new_rs, "metadata", "annotations", REVISION)
        annotations = deployment["metadata"].setdefault("annotations", {})
        if revision and annotations.get(REVISION) != revision:
            annotations[REVISION] = revision
            updated = self.ctx.write_object(R.DEPLOYMENTS, deployment, DEPLOYMENT_CONTROLLER)
            if updated:
                deployment.update(updated)

    def _write_status(self, deployment: Obj, new_rs: Obj, old: list[Obj]) -> None:
        everything = [new_rs, *old]
        wanted = deployment["spec"].get("replicas", 1)

        def total(field: str) -> int:
            return sum(dig(rs, "status", field, default=0) for rs in everything)

        available, updated = total("availableReplicas"), dig(new_rs, "status", "replicas",
                                                             default=0)
        status = dict(deployment.get("status") or {})
        status.update({"observedGeneration": deployment["metadata"]["generation"],
                       "replicas": total("replicas"), "updatedReplicas": updated,
                       "readyReplicas": total("readyReplicas"), "availableReplicas": available})
        for field in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
            if not status[field]:
                del status[field]
        status.pop("unavailableReplicas", None)
        if wanted - available > 0:
            status["unavailableReplicas"] = wanted - available
        max_unavailable = _scaled_value(dig(deployment, "spec", "strategy", "rollingUpdate",
                                            "maxUnavailable", default=0), wanted, False)
        conditions = status.get("conditions", [])
        if available >= wanted - max_unavailable:
            conditions = set_condition(conditions, "Available", "True", "MinimumReplicasAvailable",
                                       "Deployment has minimum availability.", True)
        else:
            conditions = set_condition(conditions, "Available", "False",
                                       "MinimumReplicasUnavailable",
                                       "Deployment does not have minimum availability.", True)
        complete = updated == wanted and available == wanted and total("replicas") == wanted
        status["conditions"] = self._progressing(deployment, new_rs, conditions, complete,
                                                 available)
        self.ctx.write_status(R.DEPLOYMENTS, deployment, status, DEPLOYMENT_CONTROLLER)

    def _progressing(self, deployment: Obj, new_rs: Obj, conditions: list[Obj], complete: bool,
                     available: int) -> list[Obj]:
        uid, now = deployment["metadata"]["uid"], self.ctx.now()
        rs_name = new_rs["metadata"]["name"]
        template_hash = dig(new_rs, "metadata", "labels", "pod-template-hash", default="")
        seen_hash, since, seen_available = self._progress.get(uid, ("", now, -1))
        if seen_hash != template_hash or available > seen_available:
            since = now  # progress was made: the deadline restarts, as in the real controller
        self._progress[uid] = (template_hash, since, available)
        deadline = deployment["spec"].get("progressDeadlineSeconds", 600) * \
            self.ctx.config.progress_deadline_scale
        if complete:
            return set_condition(conditions, "Progressing", "True", "NewReplicaSetAvailable",
                                 f'ReplicaSet "{rs_name}" has successfully progressed.', True)
        if now - since > deadline:
            current = next((c for c in conditions if c["type"] == "Progressing"), {})
            if current.get("reason") != "ProgressDeadlineExceeded":
                self.ctx.event(deployment, "Warning", "ProgressDeadlineExceeded",
                               f'ReplicaSet "{rs_name}" has timed out progressing.',
                               DEPLOYMENT_CONTROLLER)
            return set_condition(conditions, "Progressing", "False", "ProgressDeadlineExceeded",
                                 f'ReplicaSet "{rs_name}" has timed out progressing.', True)
        return set_condition(conditions, "Progressing", "True", "ReplicaSetUpdated",
                             f'ReplicaSet "{rs_name}" is progressing.', True)
