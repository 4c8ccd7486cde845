"""notifications' routes, beside communities' under the same API prefix (config/urls.py): the
inbox and its actions, and the notification level of a group and of a post."""

from django.urls import re_path

from communities.api.urls import GROUP, POST, Router
from notifications.api import views

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
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
