"""Every URL of Divan (config.urls), plus the raw views that measure this machine's limits."""

from django.urls import path

from bench import views
from config.urls import urlpatterns as divan_urlpatterns

urlpatterns = [
    path("bench/raw-feed/", views.raw_feed, name="bench-raw-feed"),
    path("bench/raw-constant/", views.RawConstantView.as_view(), name="bench-raw-constant"),
    path("bench/floor/", views.AuthenticatedFloorView.as_view(), name="bench-floor"),
    path("bench/raw-plain/", views.raw_plain, name="bench-raw-plain"),
    path("bench/worker-pid/", views.worker_pid, name="bench-worker-pid"),
    *divan_urlpatterns,
]
