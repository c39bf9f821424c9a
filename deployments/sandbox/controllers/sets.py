"""StatefulSet (ordered pods, revisions, partitioned rolling updates, claim templates) and
DaemonSet (one pod per node) controllers."""

from __future__ import annotations

from .. import resources as R
from ..util import Obj, deep, dig, stable_hash
from .base import Context
from .pods import create_pod, delete_pod, is_active, is_ready, owned, random_suffix

STATEFULSET_CONTROLLER = "statefulset-controller"
DAEMONSET_CONTROLLER = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"


def _ordinal(pod: Obj, set_name: str) -> int:
    suffix = pod["metadata"]["name"][len(set_name) + 1:]
    return int(suffix) if suffix.isdigit() else -1


class StatefulSetController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._templates: dict[str, Obj] = {}  # revision name -> pod template (our "history")

    def reconcile(self) -> None:
        for sts in self.ctx.store.list(R.STATEFULSETS)[0]:
            if not sts["metadata"].get("deletionTimestamp"):
                self._sync(sts)

    def _sync(self, sts: Obj) -> None:
        name, spec = sts["metadata"]["name"], sts["spec"]
        update_revision = f"{name}-{stable_hash(spec.get('template'))}"
        self._templates[update_revision] = deep(spec.get("template") or {})
        current_revision = dig(sts, "status", "currentRevision") or update_revision
        self._templates.setdefault(current_revision, self._templates[update_revision])
        pods = {_ordinal(p, name): p for p in owned(self.ctx, R.PODS, sts) if is_active(p)}
        wanted = spec.get("replicas", 1)
        partition = dig(spec, "updateStrategy", "rollingUpdate", "partition", default=0)
        self._converge(sts, pods, wanted, partition, current_revision, update_revision)
        self._write_status(sts, pods, wanted, current_revision, update_revision)

    def _converge(self, sts: Obj, pods: dict[int, Obj], wanted: int, partition: int,
                  current_revision: str, update_revision: str) -> None:
        ordered = sts["spec"].get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        for ordinal in range(wanted):
            if ordinal in pods:
                if ordered and not is_ready(pods[ordinal]):
                    return  # OrderedReady: wait for each pod before touching the next
                continue
            revision = update_revision if ordinal >= partition else current_revision
            created = self._create(sts, ordinal, revision)
            if created:
                pods[ordinal] = created
            if ordered:
                return
        for ordinal in sorted((o for o in pods if o >= wanted), reverse=True):
            delete_pod(self.ctx, pods.pop(ordinal))
            if ordered:
                return
        on_delete = dig(sts, "spec", "updateStrategy", "type") == "OnDelete"
        if on_delete or not all(is_ready(p) for p in pods.values()):
            return
        stale = [o for o, p in pods.items() if o >= partition and
                 dig(p, "metadata", "labels", REVISION_LABEL) != update_revision]
        if stale:
            victim = max(stale)
            delete_pod(self.ctx, pods.pop(victim))  # recreated at the new revision next tick

    def _create(self, sts: Obj, ordinal: int, revision: str) -> Obj | None:
        name = f"{sts['metadata']['name']}-{ordinal}"
        template = deep(self._templates[revision])
        spec = template.setdefault("spec", {})
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        for claim in sts["spec"].get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            self._ensure_claim(sts, claim, claim_name)
            spec.setdefault("volumes", []).append(
                {"name": claim["metadata"]["name"],
                 "persistentVolumeClaim": {"claimName": claim_name}})
        labels = {REVISION_LABEL: revision, "statefulset.kubernetes.io/pod-name": name,
                  "apps.kubernetes.io/pod-index": str(ordinal)}
        created = create_pod(self.ctx, sts, template, name, labels, STATEFULSET_CONTROLLER,
                             hostname=name)
        if created:
            self.ctx.event(sts, "Normal", "SuccessfulCreate",
                           f"create Pod {name} in StatefulSet {sts['metadata']['name']} "
                           f"successful", STATEFULSET_CONTROLLER)
        return created

    def _ensure_claim(self, sts: Obj, claim: Obj, claim_name: str) -> None:
        namespace = sts["metadata"]["namespace"]
        if self.ctx.store.get(R.PVCS, namespace, claim_name) is not None:
            return
        labels = {**(dig(claim, "metadata", "labels") or {}),
                  **(dig(sts, "spec", "selector", "matchLabels") or {})}
        self.ctx.create(R.PVCS, namespace, {
            "metadata": {"name": claim_name, "labels": labels},
            "spec": deep(claim.get("spec") or {})}, STATEFULSET_CONTROLLER)
        self.ctx.event(sts, "Normal", "SuccessfulCreate",
                       f"create Claim {claim_name} Pod {claim_name.split('-', 1)[1]} in "
                       f"StatefulSet {sts['metadata']['name']} success", STATEFULSET_CONTROLLER)

    def _write_status(self, sts: Obj, pods: dict[int, Obj], wanted: int, current_revision: str,
                      update_revision: str) -> None:
        def at(revision: str) -> int:
            return sum(1 for p in pods.values()
                       if dig(p, "metadata", "labels", REVISION_LABEL) == revision)

        ready = sum(1 for p in pods.values() if is_ready(p))
        updated = at(update_revision)
        if updated == wanted == len(pods) and ready == wanted:
            current_revision = update_revision  # the rollout is finished
        status = {"observedGeneration": sts["metadata"]["generation"], "replicas": len(pods),
                  "readyReplicas": ready, "availableReplicas": ready,
                  "currentReplicas": at(current_revision), "updatedReplicas": updated,
                  "currentRevision": current_revision, "updateRevision": update_revision,
                  "collisionCount": 0}
        self.ctx.write_status(R.STATEFULSETS, sts, status, STATEFULSET_CONTROLLER)


class DaemonSetController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        for ds in self.ctx.store.list(R.DAEMONSETS)[0]:
            if not ds["metadata"].get("deletionTimestamp"):
                self._sync(ds)

    def _sync(self, ds: Obj) -> None:
        revision = stable_hash(ds["spec"].get("template"))
        pods = [p for p in owned(self.ctx, R.PODS, ds) if is_active(p)]
        rolling = dig(ds, "spec", "updateStrategy", "type", default="RollingUpdate") == \
            "RollingUpdate"
        for pod in pods[1:]:
            delete_pod(self.ctx, pod)
        pods = pods[:1]
        if pods and rolling and dig(pods[0], "metadata", "labels", REVISION_LABEL) != revision:
            delete_pod(self.ctx, pods.pop())
        if not pods:
            name = f"{ds['metadata']['name']}-{random_suffix(ds['metadata']['uid'])}"
            created = create_pod(self.ctx, ds, ds["spec"].get("template") or {}, name,
                                 {REVISION_LABEL: revision, "pod-template-generation":
                                  str(ds["metadata"]["generation"])}, DAEMONSET_CONTROLLER)
            if created:
                pods.append(created)
                self.ctx.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {name}",
                               DAEMONSET_CONTROLLER)
        ready = sum(1 for p in pods if is_ready(p))
        updated = sum(1 for p in pods
                      if dig(p, "metadata", "labels", REVISION_LABEL) == revision)
        status: Obj = {"observedGeneration": ds["metadata"]["generation"],
                       "desiredNumberScheduled": 1, "currentNumberScheduled": len(pods),
                       "numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready,
                       "updatedNumberScheduled": updated}
        if ready < 1:
            status["numberUnavailable"] = 1
            del status["numberAvailable"]
        self.ctx.write_status(R.DAEMONSETS, ds, status, DAEMONSET_CONTROLLER)

