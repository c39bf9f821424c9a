"""Interactive exec into a container over the Kubernetes websocket protocol.

kubernetes.stream.stream negotiates v5.channel.k8s.io (falling back to v4): channel 0 is
stdin, 1 stdout, 2 stderr, 3 the final Status (exit code), 4 terminal resize.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import yaml
from kubernetes import client as k8s
from kubernetes.stream import stream
from kubernetes.stream.ws_client import (
    ERROR_CHANNEL,
    RESIZE_CHANNEL,
    STDERR_CHANNEL,
    STDIN_CHANNEL,
    STDOUT_CHANNEL,
    WSClient,
)

from deployments.cluster.errors import ClusterError

if TYPE_CHECKING:
    from deployments.cluster.client import ClusterClient

CHANNEL_NAMES = {STDOUT_CHANNEL: "stdout", STDERR_CHANNEL: "stderr", ERROR_CHANNEL: "error"}


class ExecSession:
    """One running command. Reading and writing may happen from different threads."""

    def __init__(self, ws: WSClient, api_client: k8s.ApiClient, doing: str) -> None:
        self._ws = ws
        self._api_client = api_client
        self._doing = doing
        self._read_lock = threading.Lock()
        self._status: dict[str, Any] | None = None
        self._status_text = ""

    @property
    def is_open(self) -> bool:
        return self._ws.is_open()

    def write_stdin(self, data: str) -> None:
        try:
            self._ws.write_stdin(data)
        except Exception as exc:
            raise ClusterError(
                f"{self._doing}: cannot write to stdin: {exc}", reason="Closed"
            ) from None

    def close_stdin(self) -> None:
        """Signal end of input (v5 protocol; v4 has no way to say it)."""
        with contextlib.suppress(Exception):
            self._ws.close_channel(STDIN_CHANNEL)

    def resize(self, cols: int, rows: int) -> None:
        try:
            self._ws.write_channel(RESIZE_CHANNEL, json.dumps({"Width": cols, "Height": rows}))
        except Exception as exc:
            raise ClusterError(f"{self._doing}: cannot resize: {exc}", reason="Closed") from None

    def read(self, timeout: float = 0.1) -> list[tuple[str, str]]:
        """Output that arrived within timeout: ("stdout"|"stderr"|"error", text) items.

        "error" carries the Status the server sends when the command ends.
        """
        with self._read_lock:
            try:
                self._ws.update(timeout=timeout)
            except Exception:
                # The peer went away mid-frame; whatever was buffered is still returned.
                with contextlib.suppress(Exception):
                    self._ws.close()
            items = []
            for channel in (STDOUT_CHANNEL, STDERR_CHANNEL, ERROR_CHANNEL):
                text = self._ws.read_channel(channel)
                if text:
                    items.append((CHANNEL_NAMES[channel], text))
                    if channel == ERROR_CHANNEL:
                        self._status_text += text
            return items

    def collect(self, timeout: float = 30.0) -> tuple[str, str]:
        """Read until the command ends or timeout passes: (stdout, stderr)."""
        deadline = time.monotonic() + timeout
        output: dict[str, list[str]] = {"stdout": [], "stderr": []}
        while True:
            remaining = deadline - time.monotonic()
            still_open = self.is_open
            wait = min(0.2, max(0.0, remaining)) if still_open else 0.0
            for channel, text in self.read(timeout=wait):
                output.get(channel, []).append(text)
            if not still_open or remaining <= 0:
                return "".join(output["stdout"]), "".join(output["stderr"])

    @property
    def exit_code(self) -> int | None:
        """0 on success, the command's exit code on failure, None while running."""
        if not self._status_text:
            return None
        status = yaml.safe_load(self._status_text) or {}
        if status.get("status") == "Success":
            return 0
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                with contextlib.suppress(TypeError, ValueError):
                    return int(cause.get("message"))
        return -1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._ws.close()
        with contextlib.suppress(Exception):
            self._api_client.close()

    def __enter__(self) -> ExecSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_exec(
    client: ClusterClient,
    name: str,
    namespace: str,
    *,
    container: str | None,
    command: Iterable[str],
    tty: bool,
) -> ExecSession:
    command = list(command)
    where = f" container {container}" if container else ""
    doing = f"exec {command[0] if command else ''} in Pod {name}{where} in ns {namespace}"
    # kubernetes.stream.stream swaps call_api on the ApiClient it is given for the length
    # of the call; a private ApiClient (same configuration) keeps concurrent requests on
    # the shared one from being sent over a websocket.
    api_client = k8s.ApiClient(configuration=client.api_client.configuration)
    core = k8s.CoreV1Api(api_client)

    def connect() -> WSClient:
        return stream(
            core.connect_get_namespaced_pod_exec,
            name,
            namespace,
            command=command,
            container=container,
            stdin=True,
            stdout=True,
            stderr=not tty,  # a terminal merges stderr into stdout
            tty=tty,
            _preload_content=False,
        )

    try:
        ws = client._call(doing, connect)
    except BaseException:
        api_client.close()
        raise
    return ExecSession(ws, api_client, doing)
