"""Rebuilding feeds, and the readers who come and go.

A reader is active while they read their feed within FEED_ACTIVE_DAYS (feeds.models.FeedReader):
fan-out writes only to active readers. `reader_mark_active`, called by a feed page that finds no
warm cache (feeds.pages), marks the reader active and, when they were not, rebuilds their feed
first, so that the read is complete; `reader_renew` keeps a warm reader active;
`feeds_prune` removes the feeds of deactivated accounts.
"""

import logging

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from divan.sql import execute, fetch_one
from feeds import cache, queries
from feeds.models import FeedEntry, FeedReader
from feeds.ranking import top_window
from feeds.services.fanout import active_since, drop_or_repair
from feeds.services.rescoring import score_refresh

logger = logging.getLogger(__name__)


def feed_rebuild(*, user_id: int, rescore: bool = False) -> int:
    """Rebuild one reader's feed from scratch, under a per-reader lock (a second rebuild of the
    same reader waits for the first): the rows fan-out would have written, in one transaction,
    then a cold cache that refills from them; how many rows. Running it twice gives the same.
    With `rescore`, the posts its `top` ranks are scored again first, with the coefficients as
    they are now."""
    with transaction.atomic():
        fetch_one(queries.ADVISORY_XACT_LOCK, [_REBUILD_LOCK, user_id])
        FeedEntry.objects.filter(user_id=user_id).delete()
        rows = execute(queries.FEED_REBUILD, [settings.FEED_JOIN_BACKFILL, user_id])
    if rescore:
        newest = FeedEntry.objects.filter(user_id=user_id).order_by("-post_id")
        score_refresh(newest.values_list("post_id", flat=True)[: top_window()])
    drop_or_repair([user_id])
    cache.stats_add(rebuilds=1)
    return rows


_REBUILD_LOCK = 0x46454544  # "FEED": the advisory lock space of feed rebuilds


def reader_mark_active(*, user_id: int, renew: bool = True) -> bool:
    """A reader reads their feed without a warm cache: mark them active, and if they were not
    (new, or away FEED_ACTIVE_DAYS, so fan-out skipped them), rebuild their feed before the
    read; whether it was rebuilt.

    Marking comes first and commits on its own: a chunk that runs after it writes to the reader,
    and one that ran before found its post committed, which the rebuild then reads. The reader's
    lock is held from the mark to the rebuild's end, so that their other reads meanwhile wait
    instead of reading rows not yet rebuilt. Without `renew` (Redis down: no set to keep in
    step), an active reader costs one read and no write."""
    if not renew:
        (read_at,) = fetch_one(queries.READER_READ_AT, [_REBUILD_LOCK, user_id, user_id])
        if read_at is not None and read_at >= active_since():
            return False
    (read_before,) = fetch_one(
        queries.READER_MARK_ACTIVE, [user_id, timezone.now(), _REBUILD_LOCK, user_id, user_id]
    )
    try:
        if read_before is not None and read_before >= active_since():
            return False
        feed_rebuild(user_id=user_id)
        return True
    finally:
        fetch_one(queries.ADVISORY_UNLOCK, [_REBUILD_LOCK, user_id])


def reader_renew(*, user_id: int) -> None:
    """A reader reads their warm cache, whose expiry is due for renewal (once a day): their
    read_at moves first, then the expiry (feeds/cache.py: it never outlives their activity). A
    reader without a record (pruned meanwhile) loses the set instead: their next read rebuilds."""
    if not FeedReader.objects.filter(pk=user_id).update(read_at=timezone.now()):
        drop_or_repair([user_id])
        return
    try:
        cache.cache_renew(user_id)
    except redis.RedisError:
        logger.warning("feeds: expiry of %s not renewed; the set expires early", user_id)


def feeds_prune(*, batch_size: int = 1000) -> int:
    """Remove the feeds of deactivated accounts, a batch of accounts at a time: their rows,
    their reader record (no fan-out reaches them) and their caches; how many accounts."""
    users = get_user_model().objects.filter(is_active=False)
    pruned = 0
    while True:
        user_ids = list(
            users.filter(pk__in=FeedReader.objects.values("user_id")).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        user_ids += list(
            users.filter(pk__in=FeedEntry.objects.values("user_id"))
            .exclude(pk__in=user_ids)
            .values_list("pk", flat=True)[:batch_size]
        )
        if not user_ids:
            return pruned
        with transaction.atomic():
            FeedReader.objects.filter(user_id__in=user_ids).delete()
            FeedEntry.objects.filter(user_id__in=user_ids).delete()
        drop_or_repair(user_ids)
        pruned += len(user_ids)


def feed_forget(*, user_id: int) -> None:
    """A deleted user's cached set goes with their rows (Redis down: it expires on its own)."""
    try:
        cache.cache_drop([user_id])
    except redis.RedisError:
        logger.warning("feeds: the cache of deleted user %s is left to expire", user_id)
