"""Notifications in the admin, to read: people's items, levels and settings, and the chunks
of large recipient sets. Nothing here writes: the consumer writes items, people their settings."""

from django.contrib import admin

from communities.admin import ReadOnlyRowsMixin
from notifications.models import (
    GroupLevel,
    MailSettings,
    Notification,
    PostLevel,
    RecipientChunk,
    TypeSetting,
)


class ReadOnlyAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    """Rows the inbox, its levels and its delivery own: looked at here, written by the API."""


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "recipient", "type", "group", "count", "created_at", "updated_at",
                    "read_at", "mail_due_at", "mailed_at")  # fmt: skip
    list_filter = ("type", ("read_at", admin.EmptyFieldListFilter),
                   ("mailed_at", admin.EmptyFieldListFilter), "created_at")  # fmt: skip
    list_select_related = ("recipient", "group")
    search_fields = ("recipient__username",)
    raw_id_fields = ("recipient", "group", "post", "comment", "actor")
    ordering = ("-id",)
    show_full_result_count = False  # the table is large; its count is no use on a page


@admin.register(GroupLevel)
class GroupLevelAdmin(ReadOnlyAdmin):
    list_display = ("user", "group", "level", "updated_at")
    list_filter = ("level",)
    list_select_related = ("user", "group")
    search_fields = ("user__username", "group__name")
    raw_id_fields = ("user", "group")


@admin.register(PostLevel)
class PostLevelAdmin(ReadOnlyAdmin):
    list_display = ("user", "post", "level", "updated_at")
    list_filter = ("level",)
    list_select_related = ("user", "post")
    search_fields = ("user__username",)
    raw_id_fields = ("user", "post")


@admin.register(TypeSetting)
class TypeSettingAdmin(ReadOnlyAdmin):
    list_display = ("user", "type", "delivery")
    list_filter = ("type", "delivery")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(MailSettings)
class MailSettingsAdmin(ReadOnlyAdmin):
    list_display = ("user", "digest", "digest_sent_at")
    list_filter = ("digest",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(RecipientChunk)
class RecipientChunkAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "after_user_id", "last_user_id", "created_at", "done_at",
                    "rows")  # fmt: skip
    list_filter = ("type", ("done_at", admin.EmptyFieldListFilter))
    ordering = ("-created_at",)
