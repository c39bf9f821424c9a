from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from deployments.models import Event, ExecSession, NodeState, Run, RunLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Run history is written by the engine only; operators read it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NodeStateInline(admin.TabularInline):
    model = NodeState
    extra = 0
    fields = readonly_fields = ("node_id", "kind", "health", "message", "updated_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "workflow",
        "version",
        "status",
        "triggered_by",
        "created_at",
        "duration_ms",
    ]
    list_filter = ["status", "triggered_by"]
    search_fields = ["workflow__name", "error"]
    inlines = [NodeStateInline]


@admin.register(NodeState)
class NodeStateAdmin(ReadOnlyAdmin):
    list_display = ["run", "node_id", "kind", "health", "updated_at"]
    list_filter = ["health", "kind"]
    search_fields = ["node_id", "message"]


@admin.register(RunLog)
class RunLogAdmin(ReadOnlyAdmin):
    list_display = ["run", "seq", "ts", "level", "node_id", "message"]
    list_filter = ["level"]
    search_fields = ["message", "node_id"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "topic", "team_id", "created_at"]
    list_filter = ["type"]
    search_fields = ["topic", "type"]


@admin.register(ExecSession)
class ExecSessionAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "user", "workflow", "node_id", "pod", "container",
                    "duration_ms", "close_reason"]
    list_filter = ["workflow"]
    search_fields = ["user__username", "pod", "node_id", "workflow__name"]
