"""Feeds in the Django admin: the users' list gains "Rebuild the selected users' feeds" (added
here, so that the platform's UserAdmin need not know about feeds)."""

from django.contrib import admin, messages

from divan.admin import UserAdmin
from feeds.services import feed_rebuild


@admin.action(description="Rebuild the selected users' feeds", permissions=["change"])
def rebuild_feeds(modeladmin, request, queryset):
    users = list(queryset.order_by("pk").values_list("pk", flat=True))
    entries = sum(feed_rebuild(user_id=user_id, rescore=True) for user_id in users)
    modeladmin.message_user(
        request, f"Rebuilt {len(users)} feed(s): {entries} entries.", messages.SUCCESS
    )


UserAdmin.actions = (*UserAdmin.actions, rebuild_feeds)
