"""Reads of reports and of the moderation log, each a fixed number of queries per page."""

from django.db.models import QuerySet

from communities.models import Group, ModerationLogEntry, Report, ReportStatus
from communities.selectors.visibility import content_visible_groups


def report_list_for_reporter(*, viewer) -> QuerySet[Report]:
    """The viewer's own reports, in groups whose content the viewer may still read."""
    return Report.objects.filter(
        reporter=viewer, group__in=content_visible_groups(viewer)
    ).select_related("reporter")


def report_queue(*, group: Group, status: str = ReportStatus.OPEN) -> QuerySet[Report]:
    """A group's reports in one status, for its moderators; the open ones by default."""
    return Report.objects.filter(group=group, status=status).select_related(
        "reporter", "resolved_by"
    )


def report_in_group(*, group: Group, report_id: int) -> Report | None:
    return Report.objects.filter(group=group, pk=report_id).select_related("group").first()


def moderation_log_list(*, group: Group) -> QuerySet[ModerationLogEntry]:
    return ModerationLogEntry.objects.filter(group=group).select_related("actor", "target_user")
