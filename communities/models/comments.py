"""Threaded comments: `path` orders a whole thread depth-first in one indexed column."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from communities.models.posts import Post

PATH_SEGMENT_WIDTH = 19  # a bigint id, zero-padded, so that text order is thread order


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)  # 1 for a reply to the post
    # Ancestors' ids and its own, zero-padded and joined by "/": "000…12/000…57".
    path = models.CharField(max_length=1000, default="")
    body = models.TextField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reactions_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)
    # The body (weight B) as services.search computes it; NULL while the comment is hidden or
    # deleted, or not indexed yet: such a comment is found by nobody.
    search_vector = SearchVectorField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["post", "path"], name="comment_thread_idx"),
            GinIndex(fields=["search_vector"], name="comment_search_gin"),
        ]

    def __str__(self) -> str:
        return self.body[:40]
