from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from kubeorch.errors import KubeOrchError
from workflows.actions import environments as environment_actions
from workflows.actions import workflows as workflow_actions
from workflows.models import (
    Cluster,
    CredentialAccess,
    Environment,
    Membership,
    Team,
    Workflow,
    WorkflowVersion,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "personal", "created_at"]
    list_filter = ["personal"]
    search_fields = ["name", "members__username"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "connection_kind", "default_namespace", "created_at"]
    list_filter = ["connection_kind"]
    search_fields = ["name", "team__name"]
    # Credentials are encrypted and never displayed; operators replace them through the API.
    exclude = ["credentials"]


def _transition_action(name: str, label: str) -> Any:
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for workflow in queryset:
            try:
                workflow_actions.transition_as_operator(workflow, name)
                done += 1
            except KubeOrchError as exc:
                modeladmin.message_user(request, exc.message, messages.WARNING)
        if done:
            modeladmin.message_user(request, f"{label}: {done} workflow(s)", messages.SUCCESS)

    run.__name__ = f"transition_{name}"
    return admin.action(description=f"{label} selected workflows")(run)


class VersionInline(admin.TabularInline):
    model = WorkflowVersion
    extra = 0
    fields = readonly_fields = (
        "number", "name", "tag", "source", "restored_from", "created_by", "created_at"
    )
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "team",
        "status",
        "cluster",
        "namespace",
        "current_version",
        "run_count",
        "updated_at",
    ]
    list_filter = ["status", "team", "cluster"]
    search_fields = ["name", "description", "team__name"]
    readonly_fields = [
        "status",
        "current_version",
        "run_count",
        "success_count",
        "failure_count",
        "last_run_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [VersionInline]
    actions = [
        _transition_action("publish", "Publish"),
        _transition_action("archive", "Archive"),
        _transition_action("to_draft", "Move to draft"),
    ]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "number", "name", "tag", "source", "created_by", "created_at"]
    list_filter = ["source"]
    search_fields = ["workflow__name", "name", "tag"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _protection_action(protected: bool, label: str) -> Any:
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        for environment in queryset.select_related("cluster"):
            environment_actions.set_protection_as_operator(environment, protected)
        modeladmin.message_user(request, f"{label}: {queryset.count()} environment(s)",
                                messages.SUCCESS)

    run.__name__ = "protect" if protected else "unprotect"
    return admin.action(description=f"{label} selected environments")(run)


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    """Teams create environments through the API; operators (un)protect them with actions."""

    list_display = ["cluster", "namespace", "team", "protected", "updated_by", "updated_at"]
    list_filter = ["protected", "team"]
    search_fields = ["namespace", "cluster__name", "team__name"]
    readonly_fields = ["team", "cluster", "namespace", "protected", "updated_by", "created_at",
                       "updated_at"]
    actions = [_protection_action(True, "Protect"), _protection_action(False, "Unprotect")]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CredentialAccess)
class CredentialAccessAdmin(admin.ModelAdmin):
    """The audit of credential reads: read-only, kept."""

    list_display = ["at", "user", "team", "target", "via", "namespace", "role", "masked",
                    "protected", "client_ip"]
    list_filter = ["masked", "protected", "role", "team"]
    search_fields = ["user__username", "target", "via", "namespace"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
