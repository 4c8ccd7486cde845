"""Moderation in the Django admin: groups, memberships, join requests, bans, invitations,
posts, comments, content reports and the moderation log.

member_count is never edited here: memberships are added and removed through the API's
services, which keep the counter exact. Every action (hiding, restoring and deleting content,
banning and unbanning, handling reports) calls its service as site staff (as_site_staff=True),
so each one is checked, writes its event and is logged under the staff user's name.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from communities.models import (
    Ban,
    Comment,
    Group,
    Invitation,
    JoinRequest,
    Membership,
    ModerationLogEntry,
    Post,
    Report,
    ReportStatus,
)
from communities.services import comments as comment_services
from communities.services import groups as group_services
from communities.services import membership as membership_services
from communities.services import posts as post_services
from communities.services import reports as report_services
from divan.exceptions import DomainError

# The widest a text column gets in a changelist, so that the tables fit a 1280 px screen.
SNIPPET_CHARS = 60

EDITED_ELSEWHERE = (
    "slug",
    "visibility",
    "archived_at",
    "member_count",
    "created_by",
    "created_at",
    "updated_at",
)


def _when(moment) -> str:
    """A changelist's compact time ("2026-12-06 23:22"), narrower than Django's default."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class SetFieldFilter(admin.EmptyFieldListFilter):
    """A filter on a moment field that says whether something happened: "hidden: Yes / No"
    rather than "By hidden at: Not empty / Empty"."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = field.verbose_name.removesuffix(" at")

    def choices(self, changelist):
        names = {"Empty": "No", "Not empty": "Yes"}
        for choice in super().choices(changelist):
            yield {**choice, "display": names.get(str(choice["display"]), choice["display"])}


def _snippet(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(SNIPPET_CHARS)


def _states(content) -> str:
    """What a moderator looks for first: hidden, deleted, and for a post pinned and locked."""
    names = [
        name
        for name, on in (
            ("deleted", content.deleted_at is not None),
            ("hidden", content.hidden_at is not None),
            ("pinned", getattr(content, "pinned", False)),
            ("locked", getattr(content, "locked", False)),
        )
        if on
    ]
    return ", ".join(names) or "live"


def hub_post_url(post_id: int) -> str:
    return f"{settings.HUB_URL.rstrip('/')}/p/{post_id}"


class ReasonActionForm(ActionForm):
    """The changelist's action bar with a reason, written to each moderation log entry. Too
    long a reason makes the form invalid, and Django's admin then runs no action at all."""

    reason = forms.CharField(
        required=False,
        max_length=ModerationLogEntry._meta.get_field("reason").max_length,
        widget=forms.TextInput(attrs={"placeholder": "reason (optional)", "size": 24}),
    )


def _action_reason(request) -> str:
    return request.POST.get("reason", "").strip()


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


class BanForm(forms.ModelForm):
    """A new ban, made by membership_ban as site staff. The service runs in the form's validation
    so that its refusals (an owner, yourself, an expiry in the past) are the form's errors; the
    admin's add view is one transaction, so nothing else is written past it."""

    class Meta:
        model = Ban
        fields = ("group", "user", "reason", "expires_at")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = membership_services.membership_ban(
                actor=self.actor,
                group=cleaned["group"],
                user_id=cleaned["user"].pk,
                reason=cleaned["reason"],
                expires_at=cleaned["expires_at"],
                as_site_staff=True,
            )
        except DomainError as error:
            if isinstance(error.detail, dict):
                for field, texts in error.detail.items():
                    for text in texts:
                        self.add_error(field if field in self.fields else None, str(text))
            else:
                self.add_error(None, str(error.detail))
        return cleaned

    def validate_unique(self):
        pass  # banning a banned user again renews the ban: membership_ban's update_or_create


@admin.register(Ban)
class BanAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Bans are made and lifted through the services, which end memberships and log each one:
    here with the add form and the "Lift" action, as site staff; a ban's page is read-only."""

    list_display = ("user", "group", "short_reason", "expires", "banned_by", "created")
    list_filter = (
        ("group", admin.RelatedOnlyFieldListFilter),
        "created_at",
        ("expires_at", SetFieldFilter),
    )
    search_fields = ("user__username", "user__email", "group__name", "reason")
    list_select_related = ("user", "group", "banned_by")
    autocomplete_fields = ("group", "user")
    readonly_fields = ("group", "user", "reason", "expires_at", "banned_by", "created_at")
    actions = ("lift",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=BanForm, **kwargs)

        class BanFormAsStaff(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, actor=request.user, **kwargs)

        return BanFormAsStaff

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.readonly_fields
        return ("group", "user", "reason", "expires_at")

    def save_model(self, request, obj, form, change):
        pass  # written by membership_ban in BanForm.clean

    def save_related(self, request, form, formsets, change):
        pass

    def has_change_permission(self, request, obj=None):
        # "change" is what the lift action needs; a ban's page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # lift instead: membership_unban writes the event and the log entry

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, ban):
        return _when(ban.expires_at) if ban.expires_at else "never"

    @admin.display(description="created", ordering="created_at")
    def created(self, ban):
        return _when(ban.created_at)

    @admin.display(description="reason")
    def short_reason(self, ban):
        return Truncator(ban.reason).chars(40)

    @admin.action(description="Lift the selected bans", permissions=["change"])
    def lift(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda ban: membership_services.membership_unban(
                actor=request.user, group=ban.group, user_id=ban.user_id, as_site_staff=True
            ),
            "Lifted {count} ban(s).",
        )


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyRowsMixin, admin.ModelAdmin):
    list_display = ("user", "group", "status", "invited_by", "created_at")
    list_filter = ("status",)
    search_fields = ("user__username", "group__name")
    list_select_related = ("user", "group", "invited_by")
    readonly_fields = ("group", "user", "invited_by", "status", "created_at", "responded_at")


CONTENT_READONLY = ("author", "body", "created_at", "edited_at", "hidden_at", "hidden_by")
CONTENT_READONLY_END = ("deleted_at", "deleted_by", "on_the_hub")


class ContentAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Posts and comments: listed, searched and filtered; their pages are read-only, and hiding,
    restoring and deleting are actions that call the content's services as site staff. Authors
    edit their own content in the API."""

    actions = ("hide", "restore", "delete_content")
    action_form = ReasonActionForm
    hide_service = restore_service = delete_service = None

    def has_add_permission(self, request):
        return False  # content is written by its authors through the API

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete with the action: the service keeps counters and writes events

    def has_change_permission(self, request, obj=None):
        # "change" is what the actions need; a post's or comment's page is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="created", ordering="created_at")
    def created(self, content):
        return _when(content.created_at)

    @admin.display(description="state")
    def state(self, content):
        return _states(content)

    @admin.display(description="text")
    def snippet(self, content):
        return _snippet(content.body)

    @admin.display(description="on the hub")
    def on_the_hub(self, content):
        url = hub_post_url(content.post_id if isinstance(content, Comment) else content.pk)
        return format_html('<a href="{}">{}</a>', url, url)

    def _act(self, request, queryset, service, done: str) -> None:
        noun = queryset.model._meta.verbose_name  # "post" or "comment", the service's keyword
        reason = _action_reason(request)
        self._apply(
            request,
            queryset,
            lambda row: service(
                actor=request.user, **{noun: row}, reason=reason, as_site_staff=True
            ),
            done.replace("{noun}", f"{noun}(s)"),
        )

    @admin.action(description="Hide the selected %(verbose_name_plural)s", permissions=["change"])
    def hide(self, request, queryset):
        self._act(request, queryset, self.hide_service, "Hid {count} {noun}.")

    @admin.action(
        description="Restore the selected %(verbose_name_plural)s", permissions=["change"]
    )
    def restore(self, request, queryset):
        self._act(request, queryset, self.restore_service, "Restored {count} {noun}.")

    @admin.action(description="Delete the selected %(verbose_name_plural)s", permissions=["change"])
    def delete_content(self, request, queryset):
        self._act(request, queryset, self.delete_service, "Deleted {count} {noun}.")


@admin.register(Post)
class PostAdmin(ContentAdmin):
    list_display = ("id", "headline", "group", "author", "state", "created")
    list_display_links = ("id", "headline")
    list_filter = (
        ("group", admin.RelatedOnlyFieldListFilter),
        ("hidden_at", SetFieldFilter),
        ("deleted_at", SetFieldFilter),
        "pinned",
        "locked",
    )
    search_fields = ("title", "body", "author__username")
    list_select_related = ("group", "author")
    ordering = ("-id",)
    fields = readonly_fields = (
        "group",
        "title",
        *CONTENT_READONLY,
        "pinned",
        "locked",
        *CONTENT_READONLY_END,
    )
    hide_service = staticmethod(post_services.post_hide)
    restore_service = staticmethod(post_services.post_restore)
    delete_service = staticmethod(post_services.post_delete)

    @admin.display(description="title / text")
    def headline(self, post):
        return _snippet(post.title or post.body)


@admin.register(Comment)
class CommentAdmin(ContentAdmin):
    list_display = ("id", "snippet", "group", "post_link", "author", "state", "created")
    list_display_links = ("id", "snippet")
    list_filter = (
        ("post__group", admin.RelatedOnlyFieldListFilter),
        ("hidden_at", SetFieldFilter),
        ("deleted_at", SetFieldFilter),
    )
    search_fields = ("body", "author__username", "post__title")
    list_select_related = ("post__group", "author")
    ordering = ("-id",)
    fields = readonly_fields = ("post", "parent", *CONTENT_READONLY, *CONTENT_READONLY_END)
    hide_service = staticmethod(comment_services.comment_hide)
    restore_service = staticmethod(comment_services.comment_restore)
    delete_service = staticmethod(comment_services.comment_delete)

    @admin.display(description="group", ordering="post__group__name")
    def group(self, comment):
        return comment.post.group

    @admin.display(description="post")
    def post_link(self, comment):
        url = reverse("admin:communities_post_change", args=[comment.post_id])
        return format_html('<a href="{}">#{}</a>', url, comment.post_id)


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
    list_display = ("id", "status", "reason", "group", "content", "content_author", "created")
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
        "reported_content",
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
    action_form = ReasonActionForm  # the reason is the resolution note

    def has_add_permission(self, request):
        return False  # reports are filed by users through the API

    def has_delete_permission(self, request, obj=None):
        return False  # a report is part of the moderation record

    def has_change_permission(self, request, obj=None):
        # "change" is what the actions need; a single report's page is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="created", ordering="created_at")
    def created(self, report):
        return _when(report.created_at)

    @admin.display(description="content")
    def content(self, report):
        content = report.post if report.post_id is not None else report.comment
        kind = "Post" if report.post_id is not None else "Comment"
        return _snippet(f"{kind}: {content}")

    @admin.display(description="reported content")
    def reported_content(self, report):
        """The post's title and body, or the comment's body, with its author and links to its
        admin page and to where it is read on the hub."""
        if report.post_id is not None:
            content, post_id = report.post, report.post_id
            admin_url = "admin:communities_post_change"
            heading = format_html("Post #{}: <strong>{}</strong>", content.pk, content.title)
        else:
            content, post_id = report.comment, report.comment.post_id
            admin_url = "admin:communities_comment_change"
            heading = format_html("Comment #{} on post #{}", content.pk, post_id)
        return format_html(
            '{}<br>by {} &middot; {}<div style="white-space: normal">{}</div>'
            '<a href="{}">Open in the admin</a> &middot; <a href="{}">Open on the hub</a>',
            heading,
            content.author or "[deleted user]",
            _states(content),
            mark_safe(linebreaks(content.body, autoescape=True)),  # escaped by linebreaks
            reverse(admin_url, args=[content.pk]),
            hub_post_url(post_id),
        )

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
                actor=request.user,
                report=report,
                hide_content=True,
                note=_action_reason(request),
                as_site_staff=True,
            ),
            "Hid the content of {count} report(s) and resolved them.",
        )

    @admin.action(description="Dismiss", permissions=["change"])
    def dismiss(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda report: report_services.report_dismiss(
                actor=request.user, report=report, note=_action_reason(request), as_site_staff=True
            ),
            "Dismissed {count} report(s).",
        )

    @admin.action(description="Ban the author from the group", permissions=["change"])
    def ban_author(self, request, queryset):
        # One ban per author and group, however many of their reports are selected; the ban
        # resolves its report, and the author's other selected reports are resolved with it.
        by_author = {}
        for report in queryset.select_related("post", "comment").order_by("pk"):
            content = report.post if report.post_id is not None else report.comment
            by_author.setdefault((report.group_id, content.author_id), []).append(report)
        banned = []

        def ban(report):
            report_services.report_ban_author(actor=request.user, report=report, as_site_staff=True)
            banned.append(report)

        self._apply(
            request,
            Report.objects.filter(pk__in=[reports[0].pk for reports in by_author.values()]),
            ban,
            "Banned {count} author(s) from their group and resolved their reports.",
        )
        also = [
            report.pk
            for reports in by_author.values()
            if reports[0] in banned
            for report in reports[1:]
        ]
        self._apply(
            request,
            Report.objects.filter(pk__in=also, status=ReportStatus.OPEN),
            lambda report: report_services.report_close_for_ban(
                actor=request.user, report=report, as_site_staff=True
            ),
            "Resolved {count} more report(s) on the banned authors.",
        )


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(admin.ModelAdmin):
    """The moderation log, read-only: entries are written by the services alone."""

    list_display = ("when", "group", "actor", "action", "target_user", "subject", "why")
    list_filter = ("action", ("group", admin.RelatedOnlyFieldListFilter))
    search_fields = ("actor__username", "target_user__username", "group__name", "reason")
    list_select_related = ("group", "actor", "target_user")
    ordering = ("-id",)

    @admin.display(description="when", ordering="created_at")
    def when(self, entry):
        return _when(entry.created_at)

    @admin.display(description="on")
    def subject(self, entry):
        if entry.comment_id is not None:
            return f"Comment #{entry.comment_id}"
        if entry.post_id is not None:
            return f"Post #{entry.post_id}"
        return f"Report #{entry.report_id}" if entry.report_id is not None else ""

    @admin.display(description="reason")
    def why(self, entry):
        return Truncator(entry.reason).chars(40)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
