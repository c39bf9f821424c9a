"""`python -m deployments.sandbox --port 0 --kubeconfig PATH [--pod-start-delay S]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .cluster import SandboxCluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.sandbox",
                                     description="Run the KubeOrch sandbox Kubernetes cluster.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--kubeconfig", required=True, help="where to write the kubeconfig")
    parser.add_argument("--pod-start-delay", type=float, default=0.3)
    parser.add_argument("--token", default=None)
    parser.add_argument("--progress-deadline-scale", type=float, default=0.01)
    args = parser.parse_args(argv)
    cluster = SandboxCluster(args.host, args.port, args.pod_start_delay, args.token,
                             progress_deadline_scale=args.progress_deadline_scale).start()
    cluster.write_kubeconfig(args.kubeconfig)
    print(cluster.url, flush=True)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    done.wait()
    cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
