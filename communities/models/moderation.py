"""Content reports and the moderation log: who did what to which content, when and why."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models.comments import Comment
from communities.models.groups import Group
from communities.models.posts import Post


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment"
    HATE = "hate", "Hate"
    VIOLENCE = "violence", "Violence"
    SEXUAL = "sexual", "Sexual content"
    MISINFORMATION = "misinformation", "Misinformation"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reports")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=32, choices=ReportReason.choices)
    detail = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True, default="")
    content_hidden = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "post"],
                condition=Q(status="open", post__isnull=False),
                name="report_one_open_per_post",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(status="open", comment__isnull=False),
                name="report_one_open_per_comment",
            ),
        ]
        indexes = [models.Index(fields=["group", "status", "-id"], name="report_queue_idx")]

    def __str__(self) -> str:
        return f"{self.reason} report ({self.status})"


class ModerationAction(models.TextChoices):
    HIDE_POST = "hide_post", "Hide post"
    RESTORE_POST = "restore_post", "Restore post"
    DELETE_POST = "delete_post", "Delete post"
    PIN_POST = "pin_post", "Pin post"
    UNPIN_POST = "unpin_post", "Unpin post"
    LOCK_POST = "lock_post", "Lock post"
    UNLOCK_POST = "unlock_post", "Unlock post"
    HIDE_COMMENT = "hide_comment", "Hide comment"
    RESTORE_COMMENT = "restore_comment", "Restore comment"
    DELETE_COMMENT = "delete_comment", "Delete comment"
    RESOLVE_REPORT = "resolve_report", "Resolve report"
    DISMISS_REPORT = "dismiss_report", "Dismiss report"
    BAN_USER = "ban_user", "Ban user"
    UNBAN_USER = "unban_user", "Unban user"
    REMOVE_MEMBER = "remove_member", "Remove member"
    CHANGE_ROLE = "change_role", "Change role"
    APPROVE_JOIN_REQUEST = "approve_join_request", "Approve join request"
    DENY_JOIN_REQUEST = "deny_join_request", "Deny join request"
    INVITE_USER = "invite_user", "Invite user"
    REVOKE_INVITATION = "revoke_invitation", "Revoke invitation"


class ModerationLogEntry(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="moderation_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=ModerationAction.choices)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["group", "-id"], name="moderation_log_group_idx")]
        verbose_name_plural = "moderation log entries"

    def __str__(self) -> str:
        return f"{self.actor} {self.action}"
