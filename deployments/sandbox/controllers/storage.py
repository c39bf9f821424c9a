"""PersistentVolumeClaim binding with dynamic provisioning from StorageClasses."""

from __future__ import annotations

from .. import resources as R
from ..util import Obj, dig
from .base import Context

PV_CONTROLLER = "persistentvolume-controller"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


class VolumeController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._reported: set[tuple[str, str]] = set()

    def reconcile(self) -> None:
        for pvc in self.ctx.store.list(R.PVCS)[0]:
            if dig(pvc, "status", "phase") != "Bound" and \
                    not pvc["metadata"].get("deletionTimestamp"):
                self._bind(pvc)
        self._release_orphans()

    def _default_class(self) -> str | None:
        for sc in self.ctx.store.list(R.STORAGECLASSES)[0]:
            if dig(sc, "metadata", "annotations", DEFAULT_CLASS_ANNOTATION) == "true":
                return str(sc["metadata"]["name"])
        return None

    def _bind(self, pvc: Obj) -> None:
        spec = pvc["spec"]
        class_name = spec.get("storageClassName")
        if class_name is None:
            class_name = self._default_class()
        storage_class = self.ctx.store.get(R.STORAGECLASSES, None, class_name or "") \
            if class_name else None
        if storage_class is None:
            self._pending(pvc, class_name)
            return
        pv_name = f"pvc-{pvc['metadata']['uid']}"
        provisioner = storage_class.get("provisioner", "")
        if self.ctx.store.get(R.PVS, None, pv_name) is None:
            self._provision(pvc, pv_name, storage_class)
            self.ctx.event(pvc, "Normal", "ProvisioningSucceeded",
                           f"Successfully provisioned volume {pv_name}", provisioner)
        spec.update({"volumeName": pv_name, "storageClassName": class_name})
        annotations = pvc["metadata"].setdefault("annotations", {})
        annotations.update({"pv.kubernetes.io/bind-completed": "yes",
                            "pv.kubernetes.io/bound-by-controller": "yes",
                            "volume.kubernetes.io/storage-provisioner": provisioner,
                            "volume.beta.kubernetes.io/storage-provisioner": provisioner})
        bound = self.ctx.write_object(R.PVCS, pvc, PV_CONTROLLER)
        if bound:
            self.ctx.write_status(R.PVCS, bound, {
                "phase": "Bound", "accessModes": spec.get("accessModes", []),
                "capacity": {"storage": dig(spec, "resources", "requests", "storage")}},
                PV_CONTROLLER)

    def _pending(self, pvc: Obj, class_name: str | None) -> None:
        key = (pvc["metadata"]["uid"], class_name or "")
        if key not in self._reported:
            self._reported.add(key)
            if class_name:
                self.ctx.event(pvc, "Warning", "ProvisioningFailed",
                               f'storageclass.storage.k8s.io "{class_name}" not found',
                               PV_CONTROLLER)
            else:
                self.ctx.event(pvc, "Normal", "FailedBinding", "no persistent volumes available "
                               "for this claim and no storage class is set", PV_CONTROLLER)
        self.ctx.write_status(R.PVCS, pvc, {"phase": "Pending"}, PV_CONTROLLER)

    def _provision(self, pvc: Obj, pv_name: str, storage_class: Obj) -> None:
        meta, spec = pvc["metadata"], pvc["spec"]
        pv = self.ctx.create(R.PVS, None, {
            "metadata": {"name": pv_name, "annotations": {
                "pv.kubernetes.io/provisioned-by": storage_class.get("provisioner", "")},
                "finalizers": ["kubernetes.io/pv-protection"]},
            "spec": {"capacity": {"storage": dig(spec, "resources", "requests", "storage")},
                     "accessModes": spec.get("accessModes", []),
                     "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy",
                                                                        "Delete"),
                     "storageClassName": storage_class["metadata"]["name"],
                     "volumeMode": spec.get("volumeMode", "Filesystem"),
                     "hostPath": {"path": f"/var/lib/kubeorch-sandbox/{pv_name}", "type": ""},
                     "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                                  "namespace": meta["namespace"], "name": meta["name"],
                                  "uid": meta["uid"]}}}, PV_CONTROLLER)
        if pv:
            self.ctx.write_status(R.PVS, pv, {"phase": "Bound"}, PV_CONTROLLER)

    def _release_orphans(self) -> None:
        for pv in self.ctx.store.list(R.PVS)[0]:
            claim = dig(pv, "spec", "claimRef") or {}
            if not claim:
                continue
            live = self.ctx.store.get(R.PVCS, claim.get("namespace"), claim.get("name", ""))
            if live is not None and live["metadata"]["uid"] == claim.get("uid"):
                continue
            if dig(pv, "spec", "persistentVolumeReclaimPolicy") == "Delete":
                self.ctx.store.remove(R.PVS, None, pv["metadata"]["name"])
            elif dig(pv, "status", "phase") != "Released":
                self.ctx.write_status(R.PVS, pv, {"phase": "Released"}, PV_CONTROLLER)
