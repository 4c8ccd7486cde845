"""Moderation in the Django admin: groups, memberships, join requests, bans, invitations,
content reports and the moderation log.

member_count is never edited here: memberships are added and removed through the API's
services, which keep the counter exact. Report actions call the report services too, as site
staff (as_site_staff=True), so each one is checked and written to the moderation log.
"""

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When

from communities.models import (
    Ban,
    Group,
    Invitation,
    JoinRequest,
    Membership,
    ModerationLogEntry,
    Report,
    ReportStatus,
)
from communities.services import groups as group_services
from communities.services import reports as report_services
from divan.exceptions import DomainError

EDITED_ELSEWHERE = (
    "slug",
    "visibility",
    "archived_at",
    "member_count",
    "created_by",
    "created_at",
    "updated_at",
)


class ServiceActionsMixin:
    """Admin actions that run one service per selected row."""

    def _apply(self, request, queryset, act, done: str) -> None:
        """Run `act` on each row; say what was done and what was refused, and why."""
        label = queryset.model._meta.verbose_name.capitalize()
        succeeded = 0
        for row in queryset.order_by("pk"):
            try:
                act(row)
            except DomainError as error:
                self.message_user(
                    request, f"{label} #{row.pk}: {_describe(error)}", messages.WARNING
                )
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, done.format(count=succeeded), messages.SUCCESS)


class ReadOnlyRowsMixin:
    """Rows that the services own (counters, last-owner and ban rules): look, do not write here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group)
class GroupAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Name and description are edited here, through group_update as site staff (so the change
    writes its event); slug, visibility and archiving change only through the services' rules:
    the first two in the API, archiving with this page's action."""

    list_display = ("name", "slug", "visibility", "member_count", "created_at", "archived_at")
    list_filter = ("visibility", "created_at", ("archived_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "slug", "description")
    fields = ("name", "description", *EDITED_ELSEWHERE)
    readonly_fields = EDITED_ELSEWHERE
    date_hierarchy = "created_at"
    actions = ("archive",)

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if change and changes:
            group_services.group_update(
                actor=request.user, group=obj, as_site_staff=True, **changes
            )

    @admin.action(description="Archive the selected groups", permissions=["change"])
    def archive(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda group: group_services.group_archive(
                actor=request.user, group=group, as_site_staff=True
            ),
            "Archived {count} group(s).",
        )

    def has_add_permission(self, request):
        return False  # a group needs an owner membership: create groups through the API

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead (archived_at): deleting would cascade past the counters


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
class BanAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    """Bans are made and lifted through the services, which end memberships and log each one:
    by group moderators in the API, by staff with the report action "Ban the author"."""

    list_display = ("user", "group", "reason", "expires_at", "banned_by", "created_at")
    list_filter = ("created_at", ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__email", "group__name", "reason")
    list_select_related = ("user", "group", "banned_by")
    readonly_fields = ("group", "user", "banned_by", "created_at")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    list_display = ("user", "group", "status", "invited_by", "created_at")
    list_filter = ("status",)
    search_fields = ("user__username", "group__name")
    list_select_related = ("user", "group", "invited_by")
    readonly_fields = ("group", "user", "invited_by", "status", "created_at", "responded_at")


def _describe(error: DomainError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(str(text) for texts in error.detail.values() for text in texts)
    return str(error.detail)


# The moderation queue's order: open reports first, then newest first.
OPEN_FIRST = Case(
    When(status=ReportStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
)


@admin.register(Report)
class ReportAdmin(ServiceActionsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "reason",
        "group",
        "content",
        "content_author",
        "reporter",
        "created_at",
        "content_hidden",
        "resolved_by",
    )
    list_filter = ("status", "reason", ("group", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "detail",
        "resolution_note",
        "reporter__username",
        "group__name",
        "post__title",
        "post__body",
        "post__author__username",
        "comment__body",
        "comment__author__username",
    )
    list_select_related = (
        "group",
        "reporter",
        "resolved_by",
        "post__author",
        "comment__author",
    )
    ordering = (OPEN_FIRST.asc(), "-id")
    readonly_fields = (
        "group",
        "post",
        "comment",
        "reporter",
        "reason",
        "detail",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "content_hidden",
    )
    fields = readonly_fields
    actions = ("hide_content", "dismiss", "ban_author")

    def has_add_permission(self, request):
        return False  # reports are filed by users through the API

    def has_delete_permission(self, request, obj=None):
        return False  # a report is part of the moderation record

    def has_change_permission(self, request, obj=None):
        # "change" is what the actions need; a single report's page is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="content")
    def content(self, report):
        return report.post if report.post_id is not None else report.comment

    @admin.display(description="author")
    def content_author(self, report):
        content = report.post if report.post_id is not None else report.comment
        return content.author

    @admin.action(description="Hide the reported content", permissions=["change"])
    def hide_content(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda report: report_services.report_resolve(
                actor=request.user, report=report, hide_content=True, as_site_staff=True
            ),
            "Hid the content of {count} report(s) and resolved them.",
        )

    @admin.action(description="Dismiss", permissions=["change"])
    def dismiss(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda report: report_services.report_dismiss(
                actor=request.user, report=report, as_site_staff=True
            ),
            "Dismissed {count} report(s).",
        )

    @admin.action(description="Ban the author from the group", permissions=["change"])
    def ban_author(self, request, queryset):
        # One ban per author and group, however many of their reports are selected.
        first_reports = {}
        for report in queryset.select_related("post", "comment").order_by("pk"):
            content = report.post if report.post_id is not None else report.comment
            first_reports.setdefault((report.group_id, content.author_id), report)
        self._apply(
            request,
            Report.objects.filter(pk__in=[report.pk for report in first_reports.values()]),
            lambda report: report_services.report_ban_author(
                actor=request.user, report=report, as_site_staff=True
            ),
            "Banned {count} author(s) from their group.",
        )


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(admin.ModelAdmin):
    """The moderation log, read-only: entries are written by the services alone."""

    list_display = (
        "created_at",
        "group",
        "actor",
        "action",
        "target_user",
        "post",
        "comment",
        "report",
        "reason",
    )
    list_filter = ("action", ("group", admin.RelatedOnlyFieldListFilter))
    search_fields = ("actor__username", "target_user__username", "group__name", "reason")
    list_select_related = ("group", "actor", "target_user", "post", "comment", "report")
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
