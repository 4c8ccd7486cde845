"""Feed storage: FeedEntry rows in PostgreSQL are the truth (one per reader and post); one Redis
sorted set per reader is the cache (feeds/cache.py). FanoutChunk rows record the work of
fanning a post out, so that a chunk lost with a killed worker is found and done again;
LargeGroupPost rows the posts that are not fanned out, read from their group instead."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models import Group, Post


class FeedEntry(models.Model):
    """A post in a reader's feed. `created_at` is the post's, so that a feed reads in order
    without a join."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="feed_entry_once")]
        indexes = [
            # a reader's feed, newest first (post ids grow with time)
            models.Index(fields=["user", "-post"], name="feed_entry_recent"),
            # a group's posts in a reader's feed, for leaving and bans
            models.Index(fields=["group", "user"], name="feed_entry_group_user"),
        ]
        verbose_name_plural = "feed entries"

    def __str__(self) -> str:
        return f"post {self.post_id} in the feed of user {self.user_id}"


class FanoutChunk(models.Model):
    """The members of a group with user ids in (after_user_id, last_user_id], to receive a post.
    Written with the feeds consumer's record of the post.created event; done once its rows and
    then its caches are written (running it again changes nothing); its record is deleted after
    FEED_FANOUT_KEEP_HOURS."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    after_user_id = models.BigIntegerField()
    last_user_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # its rows committed (then its caches are written, then it is done)
    written_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    entries = models.IntegerField(default=0)
    # the cache write failed: the sweep drops these readers' caches once Redis answers
    cache_stale = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "after_user_id"], name="fanout_chunk_once")
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True),
                         name="fanout_chunk_pending"),
            models.Index(fields=["id"], condition=Q(cache_stale=True), name="fanout_chunk_stale"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"post {self.post_id} to users ({self.after_user_id}, {self.last_user_id}]"


class LargeGroupPost(models.Model):
    """A post written while its group had more than FEED_FANOUT_MAX_MEMBERS members: it is never
    fanned out, and every member's feed reads it from the group at request time, whatever the
    group's size later. Decided once per post, in the transaction that creates it
    (feeds.services.feed_add_own), so a group crossing the limit either way changes how none of
    its posts are served: those read at request time stay read, those fanned out keep their
    rows."""

    post = models.OneToOneField(
        Post, on_delete=models.CASCADE, primary_key=True, related_name="feed_large_group"
    )

    def __str__(self) -> str:
        return f"post {self.post_id}, read from its group"


class PostScore(models.Model):
    """A post's ranking score (feeds/ranking.py), one per post whatever the number of its readers:
    feeds ordered by `top` combine it with each reader's entries. Kept by the feeds consumer as
    reactions and comments change, and by the periodic rescoring of recent posts."""

    post = models.OneToOneField(
        Post, on_delete=models.CASCADE, primary_key=True, related_name="feed_score"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", db_index=False)
    score = models.FloatField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["group", "-score"], name="post_score_group_top")]

    def __str__(self) -> str:
        return f"post {self.post_id}: {self.score:.4f}"


class FeedReader(models.Model):
    """When a reader last opened their feed. Fan-out writes only to readers active within
    FEED_ACTIVE_DAYS; the others' feeds are rebuilt whole on their next read
    (feeds.services.reader_mark_active), so their first read is complete, and their caches
    expire meanwhile. `read_at` moves at most once a day, with the expiry of the reader's cache
    (see feeds/cache.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    read_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"user {self.user_id} read their feed at {self.read_at:%Y-%m-%d %H:%M}"


class CacheRepair(models.Model):
    """A reader whose cached set could not be dropped when it had to be (Redis did not answer):
    their reads go to PostgreSQL, and the sweep drops the set once Redis answers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"the cached feed of user {self.user_id}, to drop"
