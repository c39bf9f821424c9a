"""Which module serves artifacts on a cluster: knative.py when the cluster serves Knative
Serving's `serving.knative.dev/v1` Service, else workload.py (Deployment + Service + Ingress).

Both have the same interface: render, apply, rollout, url_of, runtime_pods, remove_all.
The answer is cached per client (clusters.client_for makes a new client when the cluster's
connection changes, so a cluster that gains or loses Knative is re-asked then).
"""

import threading
import weakref
from types import ModuleType

from deployments.artifacts import knative, workload
from deployments.cluster import ClusterClient, ClusterError

_chosen: "weakref.WeakKeyDictionary[ClusterClient, ModuleType]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def serves_knative(client: ClusterClient) -> bool:
    try:
        client.resource(knative.API_VERSION, knative.KIND)
    except ClusterError as error:
        if error.status == 404:  # the group, version or kind is not served
            return False
        raise  # unreachable cluster: do not cache a guess
    return True


def for_cluster(client: ClusterClient) -> ModuleType:
    with _lock:
        found = _chosen.get(client)
    if found is None:
        found = knative if serves_knative(client) else workload
        with _lock:
            _chosen[client] = found
    return found
