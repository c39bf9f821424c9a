"""Health assessment of Kubernetes objects: pure functions, one module per kind.

Follows kstatus (sigs.k8s.io/cli-utils/pkg/kstatus) and Argo CD's gitops-engine health
rules, tightened so the colour of a canvas node never claims more than the object shows.

    assess(obj, *, pods=(), related=(), options=HealthOptions()) -> Health

* ``obj``: the object as the API returns it; ``None`` -> MISSING.
* ``pods``: pods of a workload. A PROGRESSING workload becomes DEGRADED when a pod shows
  a reason that waiting will not fix (image pull, crash loop, OOM, config error,
  Unschedulable), with the pod, container and kubelet/scheduler message.
* ``related``: other objects the caller already fetched. Used by CronJob (its Jobs: the
  newest decides), Service (its EndpointSlices/Endpoints: "selects no pods" is DEGRADED,
  only not-ready endpoints is PROGRESSING) and PersistentVolumeClaim (StorageClass for
  WaitForFirstConsumer; Events for WaitForFirstConsumer / ProvisioningFailed). When the
  related objects are not supplied those checks are skipped, never guessed.

Kinds register themselves in ``registry`` by (API group, kind); anything unregistered
falls back to the kstatus generic rules in ``generic``.
"""

from .api import assess
from .model import Health, HealthOptions, HealthStatus

__all__ = ["Health", "HealthOptions", "HealthStatus", "assess"]
