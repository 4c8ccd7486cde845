"""The moderation log's one writer: every moderation action records who, what, when and why."""

from communities.models import Comment, Group, ModerationLogEntry, Post, Report


def moderation_log_write(
    *,
    group: Group,
    actor,
    action: str,
    post: Post | None = None,
    comment: Comment | None = None,
    report: Report | None = None,
    target_user=None,
    reason: str = "",
) -> ModerationLogEntry:
    """Call inside the service's transaction, so the entry commits with the action or not at all."""
    return ModerationLogEntry.objects.create(
        group=group,
        actor=actor,
        action=action,
        post=post,
        comment=comment,
        report=report,
        target_user=target_user,
        reason=reason,
    )
