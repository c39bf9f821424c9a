"""Credentials panels, environments and their audit, mounted at /api/ by kubeorch/urls.py."""

from django.urls import re_path

from deployments.api import credential_views as cv
from workflows.api import environment_views as ev

credential_urlpatterns = [
    re_path(r"^artifacts/(?P<pk>\d{1,18})/credentials/?$", cv.ArtifactCredentialsView.as_view(),
            name="artifact-credentials"),
    re_path(r"^deployments/(?P<pk>\d{1,18})/credentials/?$",
            cv.DeploymentCredentialsView.as_view(), name="deployment-credentials"),
    re_path(r"^environments/?$", ev.EnvironmentListView.as_view(), name="environment-list"),
    re_path(r"^environments/(?P<pk>\d{1,18})/?$", ev.EnvironmentDetailView.as_view(),
            name="environment-detail"),
    re_path(r"^credential-access/?$", ev.CredentialAccessListView.as_view(),
            name="credential-access-list"),
]
