"""Health assessment of Kubernetes objects: pure functions, one module per kind.

Follows kstatus (sigs.k8s.io/cli-utils/pkg/kstatus) and Argo CD's gitops-engine health
rules, tightened so the colour of a canvas node never claims more than the object shows.
"""

from .api import assess
from .model import Health, HealthOptions, HealthStatus

__all__ = ["Health", "HealthOptions", "HealthStatus", "assess"]
