from django.urls import re_path

from kubeorch.routers import OptionalSlashRouter
from workflows.api import import_views, views

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
    # Before the router: its workflows/<pk> routes would otherwise take "import" as an id.
    re_path(r"^workflows/import/?$", import_views.ImportView.as_view(), name="workflow-import"),
    re_path(r"^starters/?$", import_views.StarterListView.as_view(), name="starters"),
    re_path(
        r"^starters/(?P<starter_id>[a-z0-9-]+)/create/?$",
        import_views.StarterCreateView.as_view(),
        name="starter-create",
    ),
    *router.urls,
]
