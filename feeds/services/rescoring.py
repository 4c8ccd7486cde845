"""Scores: one per post, whatever the number of its readers (feeds.models.PostScore). The feeds
consumer scores a post again when its reactions or comments change; Celery beat rescores the
posts of the last FEED_RESCORE_HOURS, in batches (a change of coefficients reaches them)."""

import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communities.models import Post
from communities.rules import NOT_DELETED
from divan.sql import execute
from feeds import cache, queries
from feeds.ranking import Coefficients, hot_score


def score_refresh(post_ids: Iterable[int], *, coefficients: Coefficients | None = None) -> int:
    """Compute the scores of these posts from their counters and their authors' reputation, in
    one read and one upsert; how many changed. Running it twice changes nothing."""
    coefficients = coefficients or Coefficients.from_settings()
    rows = Post.objects.filter(pk__in=list(post_ids)).values_list(
        "pk", "group_id", "created_at", "reactions_count", "comments_count", "author__reputation"
    )
    now = timezone.now()
    ids, group_ids, scores = [], [], []
    for post_id, group_id, created_at, reactions, comments, reputation in rows:
        ids.append(post_id)
        group_ids.append(group_id)
        scores.append(
            hot_score(
                created_at=created_at,
                reactions=reactions,
                comments=comments,
                author_reputation=reputation or 0,
                coefficients=coefficients,
                now=now,
            )
        )
    if not ids:
        return 0
    return execute(queries.UPSERT_SCORES, [ids, group_ids, scores, [now] * len(ids)])


def rescore_recent(*, batch_size: int | None = None) -> int:
    """Rescore every post created in the last FEED_RESCORE_HOURS (Celery beat's run); how many
    scores changed. Its cost follows the number of recent posts, never the number of readers."""
    started = time.monotonic()
    since = timezone.now() - timedelta(hours=settings.FEED_RESCORE_HOURS)
    changed = posts_rescore(since=since, batch_size=batch_size)
    cache.stats_add(rescores=1, rescore_seconds=time.monotonic() - started,
                    rescored_posts=changed)  # fmt: skip
    return changed


def posts_rescore(*, since=None, batch_size: int | None = None, progress=None) -> int:
    """Rescore the live posts created since then (all of them without `since`: after a change
    of coefficients), in batches of FEED_RESCORE_BATCH ids, each its own transaction; how many
    scores changed. `progress(done)` is called after each batch."""
    batch_size = batch_size or settings.FEED_RESCORE_BATCH
    posts = Post.objects.filter(NOT_DELETED.q()).order_by("pk")
    if since is not None:
        posts = posts.filter(created_at__gte=since)
    changed, done, after = 0, 0, 0
    coefficients = Coefficients.from_settings()
    while True:
        ids = list(posts.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return changed
        with transaction.atomic():
            changed += score_refresh(ids, coefficients=coefficients)
        after, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done)
