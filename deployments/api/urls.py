from django.urls import re_path

from deployments.api import views
from kubeorch.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("runs", views.RunViewSet, basename="run")
router.register(
    r"workflows/(?P<workflow_pk>\d+)/runs", views.WorkflowRunViewSet, basename="workflow-run"
)

urlpatterns = [
    re_path(r"^clusters/(?P<pk>\d+)/test/?$", views.ClusterTestView.as_view(), name="cluster-test"),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/manifests/?$",
        views.WorkflowManifestsView.as_view(),
        name="workflow-manifests",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/preview/?$",
        views.WorkflowPreviewView.as_view(),
        name="workflow-preview",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/run/?$",
        views.StartRunView.as_view(),
        name="workflow-run-start",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/status/?$",
        views.WorkflowStatusView.as_view(),
        name="workflow-status",
    ),
    re_path(r"^runs/(?P<pk>\d+)/cancel/?$", views.CancelRunView.as_view(), name="run-cancel"),
    *router.urls,
]
