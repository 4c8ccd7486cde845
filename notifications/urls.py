"""notifications' routes, under the API prefix (config/urls.py)."""

from django.urls import path

from notifications.unsubscribe import UnsubscribeView

urlpatterns = [
    path(
        "notifications/unsubscribe/",
        UnsubscribeView.as_view(),
        name="notifications-unsubscribe",
    ),
]
