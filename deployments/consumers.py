"""WebSocket consumers. Each authenticates and authorizes in connect(), one group per object."""

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from deployments.feeds import Batch, Listener, listen, newest_event_id, pool_trip, topic_scope
from kubeorch.stream_auth import stream_user
from workflows.models import Workflow
from workflows.permissions import scoped
from workflows.workflow_events import workflow_topic

log = logging.getLogger(__name__)


class WorkflowEventsConsumer(AsyncJsonWebsocketConsumer):
    """Streams a workflow's events. `?after=<event id>` resumes after a disconnect.

    The process's feed of the workflow (deployments.feeds) writes each event to the socket
    itself: a consumer costs no task wake-up or table read per event, and no channel-layer
    message (channels would dispatch those one by one through the sync thread)."""

    # No channel-layer channel of its own: nothing is sent to it through the layer (an alias
    # that is not configured gives none), which saves a channel and a receive task per socket.
    channel_layer_alias = "kubeorch.no-layer"
    follower: "asyncio.Task[None] | None" = None
    listener: Listener | None = None

    async def connect(self) -> None:
        workflow_id = self.scope["url_route"]["kwargs"]["workflow_id"]
        refused, resume_point = await _open(self.scope, workflow_id)
        if refused:
            await self.close(code=refused)
            return
        self.topic = workflow_topic(workflow_id)
        # The feed follows the workflow before the socket is accepted: nothing emitted after
        # the accept is missed, and what came before it is replayed from resume_point.
        self.listener = await listen(topic_scope(self.topic), resume_point, self._deliver)
        await self.accept()
        self.follower = asyncio.ensure_future(self._follow(self.listener))

    async def disconnect(self, code: int) -> None:
        if self.follower is not None:
            self.follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.follower
        if self.listener is not None:
            self.listener.leave()

    async def _follow(self, listener: Listener) -> None:
        try:
            await listener.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # a broken stream must not leave a silent socket open
            log.exception("event stream of %s failed", self.topic)
            await self.close(code=1011)

    async def _deliver(self, batch: Batch) -> None:
        for event in batch.events:
            await self.base_send({"type": "websocket.send", "text": event.data})


@pool_trip
def _open(scope: dict[str, Any], workflow_id: int) -> tuple[int, int]:
    """(close code, 0 when allowed; where the stream starts) in one database trip, in the
    thread pool: connects queue behind each other in the one sync thread, and Daphne drops a
    handshake that takes too long. Authenticated here (kubeorch.stream_auth), not by channels'
    auth middleware: its session wrapper would sit in the path of every message sent."""
    user = stream_user(scope, query_token=True)
    if user is None:
        return 4401, 0
    if not scoped(Workflow.objects.filter(pk=workflow_id), user).exists():
        return 4404, 0
    raw = (parse_qs(scope.get("query_string", b"").decode()).get("after") or [""])[0]
    # Without a resume point a client starts from now, as an SSE client without one.
    return 0, int(raw) if raw.isdigit() else newest_event_id()
