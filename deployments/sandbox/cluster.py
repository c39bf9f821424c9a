"""SandboxCluster: the public entry point tying store, API, HTTP server and controllers."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from . import kubeconfig, podexec, podlogs
from . import resources as R
from .api import Api
from .bootstrap import bootstrap
from .controllers.base import SimConfig
from .controllers.manager import ControllerManager
from .httpbase import CA_CERT, SandboxHTTPServer
from .logbook import LogBook
from .server import Handler
from .store import Store

if TYPE_CHECKING:
    from .server import Handler as HandlerType


class SandboxCluster:
    """A local Kubernetes API server with simulated controllers (see package docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, pod_start_delay: float = 0.3,
                 token: str | None = None, *, progress_deadline_scale: float = 0.01,
                 tick_seconds: float = 0.05, bookmark_interval: float = 5.0,
                 log_interval: float = 1.0, knative: bool = False) -> None:
        self.host, self.port = host, port
        self.token = token or secrets.token_urlsafe(32)
        # A real API server bookmarks about once a minute; every second per watch cost the
        # sandbox a thousand wake-ups a second once workers watched every kind per namespace.
        self.bookmark_interval = bookmark_interval
        self.store = Store()
        self.api = Api(self.store)
        self.logs = LogBook()
        bootstrap(self.api)
        self.config = SimConfig(pod_start_delay, progress_deadline_scale, log_interval)
        # knative=True: also serve Knative Serving's serving.knative.dev/v1 Service (ksvc).
        self.extra_types = (R.KNATIVE_SERVICES,) if knative else ()
        self.controllers = ControllerManager(self.api, self.config, self.logs, tick_seconds,
                                             knative=knative)
        self.kubeconfig_path: Path | None = None
        self.stopped = False
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SandboxCluster:
        self._server = SandboxHTTPServer((self.host, self.port), Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="sandbox-http", daemon=True)
        self._thread.start()
        self.controllers.start()
        return self

    def stop(self) -> None:
        self.stopped = True
        self.controllers.stop()
        self.cut_connections()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SandboxCluster:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- addresses and credentials ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def https_url(self) -> str:
        """Same port as `url`, over TLS (the kubeconfig uses this: see kubeconfig_yaml)."""
        return f"https://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ca_cert_path(self) -> Path:
        return CA_CERT

    def kubeconfig_yaml(self) -> str:
        """A kubeconfig for https_url with the sandbox CA: kubectl will not send a bearer
        token over plain HTTP, and real clusters are TLS anyway."""
        return kubeconfig.render(self.https_url, self.token, CA_CERT.read_bytes())

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        self.kubeconfig_path = kubeconfig.write(path, self.https_url, self.token,
                                                CA_CERT.read_bytes())
        return self.kubeconfig_path

    # -- test hooks ------------------------------------------------------------------------
    def cut_connections(self) -> None:
        """Abruptly end every open watch, log follow and exec stream (clients must resume)."""
        self.store.close_all_watches()
        self.logs.interrupt()
        if self._server is not None:
            self._server.cut_streams()

    def compact(self) -> None:
        """Forget watch history: resourceVersions older than now answer 410 Expired."""
        self.store.compact()

    # -- streaming subresources (called by the HTTP handler) -------------------------------
    def serve_logs(self, handler: HandlerType, namespace: str, name: str) -> None:
        podlogs.serve_logs(handler, self, namespace, name)

    def serve_exec(self, handler: HandlerType, namespace: str, name: str) -> None:
        podexec.serve_exec(handler, self, namespace, name)
