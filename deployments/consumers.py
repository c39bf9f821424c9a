"""WebSocket consumers. Each authenticates and authorizes in connect(), one group per object."""

import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import Q

from deployments.events import topic_group
from deployments.models import Event
from deployments.sse import BATCH, events_after
from workflows.models import Workflow
from workflows.workflow_events import workflow_topic


class WorkflowEventsConsumer(AsyncJsonWebsocketConsumer):
    """Streams a workflow's events. `?after=<event id>` resumes after a disconnect."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        workflow_id = self.scope["url_route"]["kwargs"]["workflow_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await self._can_see(user, workflow_id):
            await self.close(code=4404)
            return
        self.topic = workflow_topic(workflow_id)
        self.group = topic_group(self.topic)
        self.last_id = await self._resume_point()
        await self.channel_layer.group_add(self.group, self.channel_name)
        joined = time.monotonic()
        await self.accept()
        await self._send_new_events(started_after=joined)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def event_created(self, message: dict[str, Any]) -> None:
        # The message only wakes us; the table says what to send, in id order, exactly once.
        if message["id"] > self.last_id:
            await self._send_new_events(woken_by=message["id"])

    async def _send_new_events(
        self, woken_by: int | None = None, started_after: float | None = None
    ) -> None:
        # The read is shared with the process's other streams of this topic (one query for
        # all subscribers woken by an event); see deployments.sse.events_after.
        while True:
            events = await events_after(
                Q(topic=self.topic), self.last_id, woken_by=woken_by, started_after=started_after
            )
            started_after = None
            for event in events:
                await self.send_json(event)
                self.last_id = event["id"]
            if len(events) < BATCH:
                return

    @database_sync_to_async
    def _resume_point(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        raw = (query.get("after") or [""])[0]
        if raw.isdigit():
            return int(raw)
        # Without a resume point a client starts from now, as an SSE client without Last-Event-ID.
        return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    @database_sync_to_async
    def _can_see(self, user: Any, workflow_id: int) -> bool:
        return Workflow.objects.filter(pk=workflow_id, team__memberships__user=user).exists()
