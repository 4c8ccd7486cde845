"""Top-level URLs: the API, its schema and docs, auth, admin, health and metrics."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import APIRootView

from accounts.forms import PasswordSignInForm
from communities.api.urls import router as communities_router
from divan import health
from divan.events.api import EventsStatusView
from divan.metrics import metrics_view
from feeds.urls import router as feeds_router
from notifications.urls import router as notifications_router


class SwaggerUIView(SpectacularSwaggerView):
    """The docs page is a page: it answers GET and HEAD (its OPTIONS would render no schema)."""

    http_method_names = ["get", "head"]


def api_root(*routers):
    """The browsable API's index of a prefix that several apps' routers share: their collections."""
    return APIRootView.as_view(
        api_root_dict={
            prefix: f"{basename}-list"
            for router in routers
            for prefix, _viewset, basename in router.registry
        }
    )


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("divan.api.urls")),
    path("api/auth/", include("accounts.api.urls")),  # export/, delete/
    # django-allauth's headless API (sign-up, verification, reset, two-factor): browser/v1/ for
    # the hub's session, app/v1/ for apps; its OpenAPI document at api/_allauth/openapi.json.
    # Its sign-up first, as REGISTRATION_MODE says (accounts.headless), in front of its own.
    path("api/_allauth/", include("accounts.headless")),
    path("api/_allauth/", include("allauth.headless.urls")),
    path(
        "api/communities/v1/",
        api_root(communities_router, feeds_router, notifications_router),
        name="api-root",
    ),
    path("api/communities/v1/", include("communities.api.urls")),
    path("api/communities/v1/", include("feeds.urls")),
    path("api/communities/v1/", include("notifications.urls")),
    path("api/communities/v1/", include("live.urls")),
    path("api/ops/events/", EventsStatusView.as_view(), name="ops-events"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerUIView.as_view(url_name="schema"), name="docs"),
    # the browsable API's sign-in, as DRF's own but refusing accounts with two-factor sign-in
    path(
        "api-auth/login/",
        LoginView.as_view(
            template_name="rest_framework/login.html", authentication_form=PasswordSignInForm
        ),
        name="api-auth-login",
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # django-prometheus' exposition, to Prometheus's bearer token or this machine (divan.metrics)
    path("metrics", metrics_view, name="prometheus-django-metrics"),
]
