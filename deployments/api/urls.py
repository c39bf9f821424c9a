from django.urls import re_path

from deployments.api import artifact_views as av
from deployments.api import diagnostics_views, stream_views, trigger_views, views
from deployments.api import record_views as rv
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
    re_path(r"^workflows/(?P<workflow_pk>\d+)/webhook/?$",
            trigger_views.WorkflowWebhookView.as_view(), name="workflow-webhook"),
    re_path(r"^hooks/(?P<token>[A-Za-z0-9_-]+)/?$", trigger_views.HookView.as_view(),
            name="hook"),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/nodes/(?P<node_id>[^/]+)/pods/?$",
        stream_views.NodePodsView.as_view(),
        name="workflow-node-pods",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/nodes/(?P<node_id>[^/]+)/logs/?$",
        stream_views.NodeLogsView.as_view(),
        name="workflow-node-logs",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/nodes/(?P<node_id>[^/]+)/diagnostics/?$",
        diagnostics_views.NodeDiagnosticsView.as_view(),
        name="workflow-node-diagnostics",
    ),
    re_path(
        r"^workflows/(?P<workflow_pk>\d+)/nodes/(?P<node_id>[^/]+)/diagnostics/fix/?$",
        diagnostics_views.NodeDiagnosticsFixView.as_view(),
        name="workflow-node-diagnostics-fix",
    ),
    *router.urls,
]

# Deployment records live at /api/deployments (mounted by kubeorch/urls.py), not under /v1/api.
record_urlpatterns = [
    re_path(r"^deployments/?$", rv.DeploymentListView.as_view(), name="deployment-list"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/?$", rv.DeploymentDetailView.as_view(),
            name="deployment-detail"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/transition/?$",
            rv.DeploymentTransitionView.as_view(), name="deployment-transition"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/attempts/?$", rv.AttemptListView.as_view(),
            name="deployment-attempts"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/attempts/(?P<number>\d{1,9})/transition/?$",
            rv.AttemptTransitionView.as_view(), name="deployment-attempt-transition"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/attempts/(?P<number>\d{1,9})/heartbeat/?$",
            rv.AttemptHeartbeatView.as_view(), name="deployment-attempt-heartbeat"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/reconcile/?$", rv.DeploymentReconcileView.as_view(),
            name="deployment-reconcile"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/teardown/?$", rv.DeploymentTeardownView.as_view(),
            name="deployment-teardown"),
]

# Artifacts live at /api/artifacts (mounted by kubeorch/urls.py), beside deployment records.
artifact_urlpatterns = [
    re_path(r"^artifacts/?$", av.ArtifactListView.as_view(), name="artifact-list"),
    re_path(r"^artifacts/(?P<pk>\d{1,18})/?$", av.ArtifactDetailView.as_view(),
            name="artifact-detail"),
    re_path(r"^artifacts/(?P<pk>\d{1,18})/cancel/?$", av.ArtifactCancelView.as_view(),
            name="artifact-cancel"),
    re_path(r"^artifacts/(?P<pk>\d{1,18})/versions/?$", av.ArtifactVersionsView.as_view(),
            name="artifact-versions"),
    re_path(r"^artifacts/(?P<pk>\d{1,18})/rollback/?$", av.ArtifactRollbackView.as_view(),
            name="artifact-rollback"),
    re_path(r"^artifacts/(?P<pk>\d{1,18})/logs/?$", av.ArtifactLogsView.as_view(),
            name="artifact-logs"),
]
