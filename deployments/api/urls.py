from deployments.api import views
from kubeorch.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("runs", views.RunViewSet, basename="run")
router.register(
    r"workflows/(?P<workflow_pk>\d+)/runs", views.WorkflowRunViewSet, basename="workflow-run"
)

urlpatterns = router.urls
