"""Leaving with your data, under /api/auth/ beside sign-in (accounts/api/views.py)."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("export/", views.ExportView.as_view(), name="export"),
    path(
        "export/<uuid:export_id>/download/",
        views.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path("delete/", views.AccountDeleteView.as_view(), name="account-delete"),
]
