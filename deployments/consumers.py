"""WebSocket consumers. Each authenticates and authorizes in connect(), one group per object."""

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from deployments.feeds import Batch, Listener, listen, topic_scope
from deployments.models import Event
from workflows.models import Workflow
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
        user = self.scope.get("user")
        workflow_id = self.scope["url_route"]["kwargs"]["workflow_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        resume_point = await self._authorize_and_resume(user, workflow_id)
        if resume_point is None:
            await self.close(code=4404)
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

    @database_sync_to_async
    def _authorize_and_resume(self, user: Any, workflow_id: int) -> int | None:
        """Where the stream starts, or None if the user cannot see the workflow. One trip to
        the sync thread (each opens a database connection): connects queue there, and Daphne
        drops a handshake that takes over 5 s."""
        if not Workflow.objects.filter(pk=workflow_id, team__memberships__user=user).exists():
            return None
        query = parse_qs(self.scope.get("query_string", b"").decode())
        raw = (query.get("after") or [""])[0]
        if raw.isdigit():
            return int(raw)
        # Without a resume point a client starts from now, as an SSE client without Last-Event-ID.
        return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
