from django.urls import path

from workflows import pages

urlpatterns = [
    path("", pages.workflows_page, name="workflows-page"),
    path("workflows/<int:workflow_id>/", pages.canvas_page, name="canvas-page"),
    path("artifacts/", pages.artifacts_page, name="artifacts-page"),
    path("artifacts/<int:artifact_id>/", pages.artifact_page, name="artifact-page"),
]
