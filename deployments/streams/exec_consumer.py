"""Interactive terminal into a pod of a workflow node, over a WebSocket.

Client -> server: {"type": "stdin", "data": "..."} and {"type": "resize", "cols": N, "rows": N}.
Server -> client: {"type": "stdout"|"stderr", "data": "..."}, {"type": "error", "message": ...}
and, when the shell ends, {"type": "exit", "status": <code or null>} before closing.

The adapter's ExecSession blocks, so one thread reads it (see bridge.py) and a task on the
loop forwards its output in order; writes go through short to_thread calls. Closing the socket
stops the reader, which closes the exec. Every session is audited in ExecSession (who, where,
how long, why it ended); what is typed is never logged: it may contain secrets.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import kubernetes.client.api.core_v1_api  # noqa: F401  (see below)
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from deployments.cluster import ClusterClient, ClusterError
from deployments.cluster import ExecSession as ClusterExec
from deployments.models import ExecSession
from deployments.streams.bridge import ThreadBridge
from deployments.streams.pods import container_names, default_pod, node_pods, select_pods
from kubeorch.errors import Conflict, InvalidInput, KubeOrchError, NotFound
from workflows.models import Workflow
from workflows.models.teams import CAN_WRITE
from workflows.permissions import role_in

logger = logging.getLogger(__name__)

# The import above is for its side effect: the adapter's exec builds a CoreV1Api, whose module
# and ~250 models Python would otherwise import lazily on the first terminal opened (seconds
# without bytecode caches) while the user waits for a prompt. Routing loads this module at start.

READ_POLL_SECONDS = 0.2
MAX_STDIN_CHARS = 64 * 1024
MAX_TERMINAL_SIZE = 1000
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
# Close codes: 44xx mirror HTTP statuses (as the events consumer does), 4502 a cluster failure.
CLOSE_CODES: dict[type[Exception], int] = {NotFound: 4404, Conflict: 4409, InvalidInput: 4400}


@dataclass(frozen=True)
class ExecTarget:
    client: ClusterClient
    namespace: str
    pod: str
    container: str


@dataclass(frozen=True)
class Output:
    channel: str  # stdout | stderr
    data: str


@dataclass(frozen=True)
class Exited:
    status: int | None
    reason: str


def resolve_target(workflow: Workflow, node_id: str, pod: str, container: str) -> ExecTarget:
    """The pod (named, else the first ready one) and container (named, else the default)."""
    found = node_pods(workflow, node_id)
    chosen = select_pods(found, pod)[0] if pod else default_pod(found)
    names = container_names(chosen)
    name = chosen["metadata"]["name"]
    if container and container not in names:
        choices = ", ".join(names)
        raise InvalidInput(f"container {container} is not valid for pod {name} ({choices})")
    default = (chosen["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    # Always name the container (as kubectl does): the audit record says exactly where.
    picked = container or (default if default in names else names[0])
    assert found.client is not None  # a pod was found, so the node has a cluster
    return ExecTarget(found.client, chosen["metadata"]["namespace"], name, picked)


def read_output(session: ClusterExec, bridge: ThreadBridge) -> None:
    """Thread body: forward the shell's output until it exits or the socket closes (stop)."""
    try:
        while not bridge.stopped and session.is_open:
            if not _forward(session.read(READ_POLL_SECONDS), bridge):
                return
        if bridge.stopped:
            return
        _forward(session.read(0), bridge)  # whatever arrived with the close
        status = session.exit_code
        bridge.put(Exited(status, f"shell exited (status {status})"))
    except Exception:
        logger.exception("reading a terminal session failed")
        bridge.put(Exited(None, "terminal stream failed"))
    finally:
        session.close()


def _forward(items: list[tuple[str, str]], bridge: ThreadBridge) -> bool:
    for channel, text in items:
        if channel in ("stdout", "stderr") and not bridge.put(Output(channel, text)):
            return False
    return True


class ExecConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/workflows/<id>/nodes/<node_id>/exec?pod=&container=`: developers and admins only."""

    # No channel layer: a terminal talks to one pod, never to a group, so it need not hold a
    # Redis subscription per open terminal (an unknown alias means "none" to Channels).
    channel_layer_alias = "__kubeorch_exec_no_layer__"

    session: ClusterExec | None = None
    bridge: ThreadBridge | None = None
    pump: asyncio.Task[None] | None = None
    audit_id: int | None = None
    finished = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        kwargs = self.scope["url_route"]["kwargs"]
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        workflow, role = await self._workflow_and_role(user, int(kwargs["workflow_id"]))
        if workflow is None:
            await self.close(code=4404)
            return
        if role not in CAN_WRITE:
            await self.close(code=4403)
            return
        await self.accept()
        await self._open(user, workflow, kwargs["node_id"])

    async def _open(self, user: Any, workflow: Workflow, node_id: str) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        pod, container = (query.get(key, [""])[0] for key in ("pod", "container"))
        try:
            target = await asyncio.to_thread(resolve_target, workflow, node_id, pod, container)
        except (KubeOrchError, ClusterError) as exc:
            await self._refuse(exc)
            return
        self.audit_id = await self._record_start(user, workflow, node_id, target)
        try:
            session = await asyncio.to_thread(
                target.client.exec, target.pod, target.namespace, container=target.container
            )
        except ClusterError as exc:
            await self._finish(f"could not start: {exc.message}")
            await self._refuse(exc)
            return
        self.session = session
        self.bridge = ThreadBridge(maxsize=256, name="kubeorch-exec")
        self.bridge.start(f"{target.pod}/{target.container}", partial(read_output, session))
        self.pump = asyncio.create_task(self._pump(self.bridge))

    async def _refuse(self, exc: Exception) -> None:
        message = getattr(exc, "message", str(exc))
        code = CLOSE_CODES.get(type(exc), 4502 if isinstance(exc, ClusterError) else 4400)
        await self.send_json({"type": "error", "message": message})
        await self.close(code=code)

    async def _pump(self, bridge: ThreadBridge) -> None:
        """Forward the reader's items in order; on exit say so and close."""
        while True:
            item = await bridge.queue.get()
            if isinstance(item, Output):
                await self.send_json({"type": item.channel, "data": item.data})
                continue
            await self.send_json({"type": "exit", "status": item.status})
            await self._finish(item.reason)
            await self.close()
            return

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # answered with an error message, not a crashed consumer

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.session is None or self.finished:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "stdin" and _valid_stdin(content.get("data")):
                await asyncio.to_thread(self.session.write_stdin, content["data"])
            elif kind == "resize" and _valid_size(content):
                cols, rows = int(content["cols"]), int(content["rows"])
                await asyncio.to_thread(self.session.resize, cols, rows)
            else:
                # Never echo the message back: it may be a typed secret.
                await self.send_json({"type": "error", "message": _USAGE})
        except ClusterError:
            pass  # the shell is gone; the reader reports the exit

    async def disconnect(self, code: int) -> None:
        await self._finish(f"client closed the connection ({code})")
        if self.pump is not None:
            # After a shell exit the pump may still be writing the audit row: let it finish.
            await asyncio.wait({self.pump}, timeout=5)

    async def _finish(self, reason: str) -> None:
        """Once: stop the reader (it closes the exec), stop forwarding, end the audit row."""
        if self.finished:
            return
        self.finished = True
        if self.bridge is not None and not await self.bridge.close():
            logger.warning("terminal reader threads still alive: %s", self.bridge.alive())
        if self.pump is not None and self.pump is not asyncio.current_task():
            self.pump.cancel()
        if self.audit_id is not None:
            await self._record_end(self.audit_id, reason)

    @database_sync_to_async
    def _workflow_and_role(self, user: Any, workflow_id: int) -> tuple[Workflow | None, str | None]:
        workflow = (
            Workflow.objects.select_related("cluster")
            .filter(pk=workflow_id, team__memberships__user=user)
            .first()
        )
        return (workflow, role_in(user, workflow.team_id)) if workflow else (None, None)

    @database_sync_to_async
    def _record_start(self, user: Any, workflow: Workflow, node_id: str, target: ExecTarget) -> int:
        row = ExecSession.objects.create(
            user=user,
            workflow=workflow,
            node_id=node_id,
            namespace=target.namespace,
            pod=target.pod,
            container=target.container,
        )
        return row.pk

    @database_sync_to_async
    def _record_end(self, audit_id: int, reason: str) -> None:
        row = ExecSession.objects.get(pk=audit_id)
        row.ended_at = timezone.now()
        row.duration_ms = max(0, int((row.ended_at - row.started_at).total_seconds() * 1000))
        row.close_reason = reason[:200]
        row.save(update_fields=["ended_at", "duration_ms", "close_reason"])


_USAGE = 'expected {"type": "stdin", "data": "..."} or {"type": "resize", "cols": N, "rows": N}'


def _valid_stdin(data: Any) -> bool:
    return isinstance(data, str) and 0 < len(data) <= MAX_STDIN_CHARS


def _valid_size(content: dict[str, Any]) -> bool:
    values = (content.get("cols"), content.get("rows"))
    return all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_TERMINAL_SIZE
        for v in values
    )
