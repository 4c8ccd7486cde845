"""Moderation in the Django admin: groups, memberships, join requests, bans, invitations.

member_count is never edited here: memberships are added and removed through the API's
services, which keep the counter exact.
"""

from django.contrib import admin

from communities.models import Ban, Group, Invitation, JoinRequest, Membership


class ReadOnlyRowsMixin:
    """Rows whose creation or deletion moves counters: look, do not add or delete here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "visibility", "member_count", "created_at", "archived_at")
    list_filter = ("visibility", "created_at", ("archived_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "slug", "description")
    readonly_fields = ("member_count", "created_by", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # a group needs an owner membership: create groups through the API


@admin.register(Membership)
class MembershipAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    list_display = ("user", "group", "role", "created_at")
    list_filter = ("role", "group__visibility")
    search_fields = ("user__username", "user__email", "group__name", "group__slug")
    list_select_related = ("user", "group")
    readonly_fields = ("group", "user", "created_at")


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    list_display = ("user", "group", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "group__name")
    list_select_related = ("user", "group", "decided_by")
    readonly_fields = ("group", "user", "status", "created_at", "decided_by", "decided_at")


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "reason", "expires_at", "banned_by", "created_at")
    list_filter = ("created_at", ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__email", "group__name", "reason")
    list_select_related = ("user", "group", "banned_by")
    readonly_fields = ("group", "user", "banned_by", "created_at")

    def has_add_permission(self, request):
        return False  # banning ends memberships: ban through the API


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    list_display = ("user", "group", "status", "invited_by", "created_at")
    list_filter = ("status",)
    search_fields = ("user__username", "group__name")
    list_select_related = ("user", "group", "invited_by")
    readonly_fields = ("group", "user", "invited_by", "status", "created_at", "responded_at")
