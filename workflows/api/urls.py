from django.urls import re_path

from kubeorch.routers import OptionalSlashRouter
from workflows.api import views

router = OptionalSlashRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register("clusters", views.ClusterViewSet, basename="cluster")
router.register("workflows", views.WorkflowViewSet, basename="workflow")
router.register(
    r"workflows/(?P<workflow_pk>\d+)/versions",
    views.WorkflowVersionViewSet,
    basename="workflow-version",
)

urlpatterns = [
    re_path(r"^templates/?$", views.TemplatesView.as_view(), name="templates"),
    *router.urls,
]
