from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from deployments.api.credential_urls import credential_urlpatterns
from deployments.api.urls import artifact_urlpatterns, record_urlpatterns

api: list = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("workflows.api.urls")),
    path("", include("deployments.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("v1/api/", include(api)),
    path("api/", include(record_urlpatterns)),
    path("api/", include(artifact_urlpatterns)),
    path("api/", include(credential_urlpatterns)),
    path("", include("workflows.pages_urls")),
]
