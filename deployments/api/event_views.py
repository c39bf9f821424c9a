"""SSE endpoints. Plain async Django views: DRF views cannot stream from an async generator."""

from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.db.models import Q
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from rest_framework.authtoken.models import Token

from deployments.events import team_group, topic_group
from deployments.sse import last_event_id, start_cursor, stream
from workflows.models import Workflow
from workflows.permissions import visible_teams
from workflows.workflow_events import workflow_topic


@sync_to_async
def authenticate(request: HttpRequest) -> Any:
    """Token (automation) or session (browser); None if neither."""
    close_old_connections()
    header = request.headers.get("Authorization", "")
    if header.startswith("Token "):
        token = Token.objects.select_related("user").filter(key=header[6:].strip()).first()
        return token.user if token and token.user.is_active else None
    user = request.user  # the session middleware's lazy user
    return user if user.is_authenticated else None


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def sse_response(events: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # proxies must not buffer the stream
    return response


async def workflow_events(request: HttpRequest, workflow_pk: int) -> HttpResponseBase:
    """Events of one workflow (runs, nodes, logs, status). Resumes after Last-Event-ID."""
    user = await authenticate(request)
    if user is None:
        return error(401, "not_authenticated", "Authentication credentials were not provided.")
    visible = await sync_to_async(
        Workflow.objects.filter(pk=workflow_pk, team__memberships__user=user).exists
    )()
    if not visible:
        return error(404, "not_found", "not found")
    topic = workflow_topic(workflow_pk)
    cursor = await start_cursor(last_event_id(request))
    return sse_response(stream(Q(topic=topic), [topic_group(topic)], cursor))


async def all_events(request: HttpRequest) -> HttpResponseBase:
    """Every event of every team the user belongs to (runs, artifacts...)."""
    user = await authenticate(request)
    if user is None:
        return error(401, "not_authenticated", "Authentication credentials were not provided.")
    team_ids = await sync_to_async(lambda: list(visible_teams(user).values_list("id", flat=True)))()
    groups = [team_group(team_id) for team_id in team_ids]
    cursor = await start_cursor(last_event_id(request))
    return sse_response(stream(Q(team_id__in=team_ids), groups, cursor))
