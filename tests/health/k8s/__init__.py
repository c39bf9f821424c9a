"""Builders for Kubernetes objects shaped like real ``kubectl get -o json`` output.

Like the API server, builders omit zero-valued status counters (a fresh Deployment has no
``availableReplicas`` key at all), so assessors are exercised on realistic sparse input.
Import the package (``from . import k8s``); the submodules only group the builders.
"""

from .batch import cronjob, job, job_complete, job_failed
from .common import LABELS, NOW, condition, metadata, pod_template, simple
from .networking import endpoint_slice, endpoints, ingress, service
from .pods import (
    container_status,
    pod,
    running,
    terminated,
    termination,
    unschedulable_pod,
    waiting,
)
from .storage import event, hpa, pvc, storage_class
from .workloads import daemonset, deployment, replicaset, statefulset

__all__ = [
    "LABELS",
    "NOW",
    "condition",
    "container_status",
    "cronjob",
    "daemonset",
    "deployment",
    "endpoint_slice",
    "endpoints",
    "event",
    "hpa",
    "ingress",
    "job",
    "job_complete",
    "job_failed",
    "metadata",
    "pod",
    "pod_template",
    "pvc",
    "replicaset",
    "running",
    "service",
    "simple",
    "statefulset",
    "storage_class",
    "terminated",
    "termination",
    "unschedulable_pod",
    "waiting",
]
