"""Browser pages: the workflows list, the canvas and the artifacts pages, all rendered by the
Vite-built frontend."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from deployments.artifacts.service import visible_artifacts
from workflows.models import Workflow
from workflows.permissions import scoped


def _render_app(request: HttpRequest, page: str, **ids: Any) -> HttpResponse:
    context = {
        "page": page,
        "ids": ids,
        "csrf": get_token(request),
        "title": ids.pop("title", "Workflows"),
    }
    return render(request, "app.html", context)


@login_required
@ensure_csrf_cookie
def workflows_page(request: HttpRequest) -> HttpResponse:
    return _render_app(request, "workflows")


@login_required
@ensure_csrf_cookie
def canvas_page(request: HttpRequest, workflow_id: int) -> HttpResponse:
    workflow = scoped(Workflow.objects.all(), request.user).filter(pk=workflow_id).first()
    if workflow is None:
        raise Http404("no such workflow")
    return _render_app(request, "canvas", workflowId=workflow.pk, title=workflow.name)


@login_required
@ensure_csrf_cookie
def artifacts_page(request: HttpRequest) -> HttpResponse:
    return _render_app(request, "artifacts", title="Artifacts")


@login_required
@ensure_csrf_cookie
def artifact_page(request: HttpRequest, artifact_id: int) -> HttpResponse:
    artifact = visible_artifacts(request.user).filter(pk=artifact_id).first()
    if artifact is None:
        raise Http404("no such artifact")
    return _render_app(request, "artifact", artifactId=artifact.pk, title=artifact.name)
