"""KubeOrch sandbox cluster: a local HTTP server speaking the subset of the Kubernetes REST
API that KubeOrch uses, with simulated controllers, so the product and its tests drive the
real kubernetes client (and kubectl) through an ordinary kubeconfig.

    from deployments.sandbox import SandboxCluster
    with SandboxCluster(pod_start_delay=0.1) as sandbox:
        sandbox.write_kubeconfig("/tmp/kubeconfig")

Standard library and PyYAML only: it must run without Django.
"""

from .cluster import SandboxCluster

__all__ = ["SandboxCluster"]
