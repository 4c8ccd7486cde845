"""notifications' routes, beside communities' under the same API prefix (config/urls.py): the
inbox and its actions, the notification level of a group and of a post, and the unsubscribe
link of the mails."""

from django.urls import path, re_path

from communities.api.urls import GROUP, POST, Router
from notifications.api import views
from notifications.unsubscribe import UnsubscribeView

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path(
        "notifications/unsubscribe/",
        UnsubscribeView.as_view(),
        name="notifications-unsubscribe",
    ),
    re_path(
        rf"^{GROUP}/notification-level/$",
        views.GroupLevelView.as_view(),
        name="group-notification-level",
    ),
    re_path(
        rf"^{POST}/notification-level/$",
        views.PostLevelView.as_view(),
        name="post-notification-level",
    ),
    *router.urls,
]
