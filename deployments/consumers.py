"""WebSocket consumers. Each authenticates and authorizes in connect(), one group per object."""

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import Q

from deployments.events import topic_group
from deployments.fanout import Subscription, subscribe
from deployments.models import Event
from deployments.sse import BATCH, events_after, heartbeat_seconds
from workflows.models import Workflow
from workflows.workflow_events import workflow_topic

log = logging.getLogger(__name__)


class WorkflowEventsConsumer(AsyncJsonWebsocketConsumer):
    """Streams a workflow's events. `?after=<event id>` resumes after a disconnect.

    Follows the workflow through the process's fan-out (deployments.fanout) in a task of its
    own rather than through channel-layer messages to the consumer: channels dispatches each
    message through close_old_connections in the one sync thread, which serialized 1,000
    consumers' wake-ups (and each consumer cost one Redis message per event)."""

    follower: "asyncio.Task[None] | None" = None
    subscription: Subscription | None = None

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
        self.last_id = resume_point
        self.subscription = await subscribe([topic_group(self.topic)])
        joined = time.monotonic()
        await self.accept()
        self.follower = asyncio.ensure_future(self._follow(joined))

    async def disconnect(self, code: int) -> None:
        if self.follower is not None:
            self.follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.follower
        if self.subscription is not None:
            await self.subscription.close()

    async def _follow(self, joined: float) -> None:
        assert self.subscription is not None
        woken_by: int | None = None
        started_after: float | None = joined  # the first read follows the join
        try:
            while True:
                await self._send_new_events(woken_by, started_after)
                started_after = None
                while True:  # until a wake-up about an event not sent yet, or a quiet spell
                    try:
                        woken_by = await self.subscription.wait(heartbeat_seconds())
                    except TimeoutError:
                        woken_by = None  # re-read anyway: catches what the layer dropped
                        break
                    if woken_by is None or woken_by > self.last_id:
                        break
        except asyncio.CancelledError:
            raise
        except Exception:  # a broken follower must not leave a silent socket open
            log.exception("event stream of %s failed", self.topic)
            await self.close(code=1011)

    async def _send_new_events(self, woken_by: int | None, started_after: float | None) -> None:
        # The read is shared with the process's other streams of this topic (one query and one
        # JSON encoding for all subscribers woken by an event); see deployments.sse.events_after.
        while True:
            events = await events_after(
                Q(topic=self.topic), self.last_id, woken_by=woken_by, started_after=started_after
            )
            started_after = None
            for event in events:
                await self.send(text_data=event.data)
                self.last_id = event.id
            if len(events) < BATCH:
                return

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
