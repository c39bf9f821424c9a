from django.urls import path

from workflows import pages

urlpatterns = [
    path("", pages.workflows_page, name="workflows-page"),
    path("workflows/<int:workflow_id>/", pages.canvas_page, name="canvas-page"),
]
