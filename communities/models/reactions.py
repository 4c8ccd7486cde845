"""Reactions: one row per user, target and kind; the target's counters mirror these rows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models.comments import Comment
from communities.models.posts import Post


class Reaction(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=32)  # one of settings.REACTION_KINDS
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "post", "kind"],
                condition=Q(post__isnull=False),
                name="reaction_unique_post",
            ),
            models.UniqueConstraint(
                fields=["user", "comment", "kind"],
                condition=Q(comment__isnull=False),
                name="reaction_unique_comment",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "-id"], name="reaction_post_idx"),
            models.Index(fields=["comment", "-id"], name="reaction_comment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
