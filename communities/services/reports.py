"""Writes on content reports: filing one, and resolving, dismissing or acting on it.

Moderators of the report's group handle reports; site staff do so from the Django admin only,
by passing as_site_staff=True (see membership.require_moderation_role).
Resolving and dismissing lock the report, then (through post_hide or comment_hide) the content:
the lock order in services/locks.py.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.events import EventType, report_event
from communities.models import (
    Ban,
    Comment,
    ModerationAction,
    Post,
    Report,
    ReportReason,
    ReportStatus,
)
from communities.roles import Action
from communities.rules import NOT_DELETED
from communities.selectors.visibility import visible_comments, visible_posts
from communities.services.comments import comment_hide
from communities.services.locks import lock_report_row
from communities.services.membership import membership_ban, require_moderation_role
from communities.services.moderation_log import moderation_log_write
from communities.services.posts import post_hide
from divan.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied

RESOLUTION_NOTE_MAX_LENGTH = Report._meta.get_field("resolution_note").max_length
BANNED_NOTE = "The author was banned from the group."


def _validate_report(*, post_id, comment_id, reason: str, detail: str) -> None:
    errors = {}
    if (post_id is None) == (comment_id is None):
        errors["non_field_errors"] = ["Report exactly one post or one comment."]
    if reason not in ReportReason.values:
        errors["reason"] = [f'"{reason}" is not a valid choice.']
    if len(detail) > settings.REPORT_DETAIL_MAX_LENGTH:
        errors["detail"] = [
            f"Ensure this field has no more than {settings.REPORT_DETAIL_MAX_LENGTH} characters."
        ]
    if errors:
        raise InvalidInput(errors)


def _reported_content(*, reporter, post_id, comment_id) -> tuple[Post | None, Comment | None]:
    """The post or comment, if the reporter may read it (a blocked author's too: a block keeps
    content out of lists, not out of reach of a report); else NotFound, as if it did not exist."""
    if post_id is not None:
        post = (
            visible_posts(reporter, include_blocked=True)
            .filter(pk=post_id)
            .select_related("group")
            .first()
        )
        if post is None:
            raise NotFound("No post matches the given query.")
        return post, None
    comment = (
        visible_comments(reporter, include_blocked=True)
        .filter(NOT_DELETED.q(), pk=comment_id)
        .select_related("post__group")
        .first()
    )
    if comment is None:
        raise NotFound("No comment matches the given query.")
    return None, comment


def report_create(
    *,
    reporter,
    post_id: int | None = None,
    comment_id: int | None = None,
    reason: str,
    detail: str = "",
) -> tuple[Report, bool]:
    """File a report on a post or a comment the reporter can see. A repeat while the reporter's
    report on that content is still open returns it, with created False."""
    if not reporter.is_authenticated:
        raise PermissionDenied("Log in to report content.")
    _validate_report(post_id=post_id, comment_id=comment_id, reason=reason, detail=detail)
    with transaction.atomic():
        # Whether the reporter may see the content, and is not banned, is read in the
        # transaction of the report, so that a report is never filed past a ban committed first.
        post, comment = _reported_content(reporter=reporter, post_id=post_id, comment_id=comment_id)
        group = post.group if post is not None else comment.post.group
        if Ban.objects.active().filter(group=group, user=reporter).exists():
            raise PermissionDenied("You are banned from this group.")
        target = {"post": post} if post is not None else {"comment": comment}
        existing = Report.objects.filter(
            reporter=reporter, status=ReportStatus.OPEN, **target
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter, group=group, reason=reason, detail=detail, **target
                )
        except IntegrityError:  # a concurrent repeat won the open-report constraint
            existing = Report.objects.filter(
                reporter=reporter, status=ReportStatus.OPEN, **target
            ).first()
            if existing is None:
                raise
            return existing, False
        report_event(EventType.REPORT_CREATED, report, actor=reporter, group=group, reason=reason)
    return report, True


def _lock_open_report(*, actor, report: Report, as_site_staff: bool) -> Report:
    require_moderation_role(
        group=report.group, actor=actor, action=Action.HANDLE_REPORTS, as_site_staff=as_site_staff
    )
    locked = lock_report_row(report.pk)
    if locked.status != ReportStatus.OPEN:
        raise Conflict(f"This report was already {locked.status}.")
    return locked


def _validate_note(note: str) -> None:
    if len(note) > RESOLUTION_NOTE_MAX_LENGTH:
        message = f"Ensure this field has no more than {RESOLUTION_NOTE_MAX_LENGTH} characters."
        raise InvalidInput({"note": [message]})


def _hide_reported_content(*, actor, report: Report, note: str, as_site_staff: bool) -> bool:
    """Hide the reported post or comment through its own service, which keeps the counters and
    logs the hiding with this report. Whether the content is hidden now: content hidden already
    stays so; deleted content stays deleted, not hidden."""
    try:
        if report.post_id is not None:
            post_hide(
                actor=actor,
                post=report.post,
                reason=note,
                report=report,
                as_site_staff=as_site_staff,
            )
        else:
            comment_hide(
                actor=actor,
                comment=report.comment,
                reason=note,
                report=report,
                as_site_staff=as_site_staff,
            )
    except Conflict:  # hidden already
        return True
    except NotFound:  # deleted meanwhile
        return False
    return True


def _content_author(report: Report):
    """The reported post's or comment's author; None once that user is gone."""
    return (report.post if report.post_id is not None else report.comment).author


# The event each way of closing a report writes.
_CLOSED_EVENT = {
    ReportStatus.RESOLVED: EventType.REPORT_RESOLVED,
    ReportStatus.DISMISSED: EventType.REPORT_DISMISSED,
}


def _close_report(*, actor, report: Report, status: str, note: str, action: str) -> Report:
    report.status = status
    report.resolved_by = actor
    report.resolved_at = timezone.now()
    report.resolution_note = note
    report.save(
        update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "content_hidden"]
    )
    report_event(
        _CLOSED_EVENT[status],
        report,
        actor=actor,
        group=report.group,
        content_hidden=report.content_hidden,
        reporter_id=report.reporter_id,
    )
    moderation_log_write(
        group=report.group,
        actor=actor,
        action=action,
        post=report.post,
        comment=report.comment,
        report=report,
        target_user=_content_author(report),
        reason=note,
    )
    return report


def report_resolve(
    *,
    actor,
    report: Report,
    hide_content: bool = False,
    note: str = "",
    as_site_staff: bool = False,
) -> Report:
    """Close an open report as acted upon; with hide_content, hide the reported content."""
    _validate_note(note)
    with transaction.atomic():
        report = _lock_open_report(actor=actor, report=report, as_site_staff=as_site_staff)
        if hide_content:
            report.content_hidden = _hide_reported_content(
                actor=actor, report=report, note=note, as_site_staff=as_site_staff
            )
        return _close_report(
            actor=actor,
            report=report,
            status=ReportStatus.RESOLVED,
            note=note,
            action=ModerationAction.RESOLVE_REPORT,
        )


def report_dismiss(*, actor, report: Report, note: str = "", as_site_staff: bool = False) -> Report:
    """Close an open report as needing no action."""
    _validate_note(note)
    with transaction.atomic():
        report = _lock_open_report(actor=actor, report=report, as_site_staff=as_site_staff)
        return _close_report(
            actor=actor,
            report=report,
            status=ReportStatus.DISMISSED,
            note=note,
            action=ModerationAction.DISMISS_REPORT,
        )


def report_ban_author(*, actor, report: Report, as_site_staff: bool = False) -> Ban:
    """Ban the reported content's author from the report's group, whatever the report's status,
    and resolve the report if it is still open: both logged, the ban's entry pointing at the
    report. The group is locked (by membership_ban) before the report: the lock order."""
    report = Report.objects.select_related("group", "post__author", "comment__author").get(
        pk=report.pk
    )
    author = _content_author(report)
    if author is None:
        raise Conflict("The reported content's author no longer exists.")
    with transaction.atomic():
        ban = membership_ban(
            actor=actor,
            group=report.group,
            user_id=author.pk,
            reason=f"Report #{report.pk}: {report.get_reason_display()}",
            report=report,
            as_site_staff=as_site_staff,
        )
        report_close_for_ban(actor=actor, report=report, as_site_staff=as_site_staff)
    return ban


def report_close_for_ban(*, actor, report: Report, as_site_staff: bool = False) -> bool:
    """Resolve an open report whose author has been banned, noting it; whether it was open.
    A report closed already keeps its decision."""
    with transaction.atomic():
        try:
            report = _lock_open_report(actor=actor, report=report, as_site_staff=as_site_staff)
        except Conflict:
            return False
        _close_report(
            actor=actor,
            report=report,
            status=ReportStatus.RESOLVED,
            note=BANNED_NOTE,
            action=ModerationAction.RESOLVE_REPORT,
        )
    return True
