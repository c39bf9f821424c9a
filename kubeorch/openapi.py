"""Adds the endpoints drf-spectacular cannot see (the SSE streams, plain ASGI) to the schema."""

from typing import Any

SSE = {
    "text/event-stream": {
        "schema": {"type": "string"},
        "example": 'id: 42\nevent: run.status_changed\ndata: {"id": 42, "type": '
        '"run.status_changed", "topic": "workflow:7", "payload": {...}}\n\n',
    }
}
RESUME = {
    "name": "Last-Event-ID",
    "in": "header",
    "required": False,
    "schema": {"type": "integer"},
    "description": "Resume after this event id (or ?last_event_id=); without it the stream "
    "starts now.",
}
ERRORS = {
    "401": {"description": "not authenticated"},
    "404": {"description": "not found (or not in your teams)"},
}


def add_event_streams(result: dict[str, Any], generator: Any, request: Any,
                      public: bool) -> dict[str, Any]:
    paths = result.setdefault("paths", {})
    paths["/v1/api/workflows/{workflow_pk}/events"] = {"get": {
        "operationId": "workflow_events_stream",
        "summary": "Server-sent events of one workflow (see docs/events.md for the types)",
        "tags": ["events"],
        "parameters": [
            {"name": "workflow_pk", "in": "path", "required": True, "schema": {"type": "integer"}},
            RESUME,
        ],
        "responses": {"200": {"description": "an endless event stream", "content": SSE},
                      **ERRORS},
    }}
    paths["/api/events"] = {"get": {
        "operationId": "all_events_stream",
        "summary": "Server-sent events of every team you belong to",
        "tags": ["events"],
        "parameters": [RESUME],
        "responses": {"200": {"description": "an endless event stream", "content": SSE},
                      "401": ERRORS["401"]},
    }}
    return result
