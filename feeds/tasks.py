"""Thin, named Celery tasks of feeds; each safe to run twice or to be killed halfway. While
COMMUNITIES_WORKERS_ENABLED is false they do nothing and say so."""

import contextlib
import logging

from celery import shared_task
from django.conf import settings
from redis.exceptions import LockError

from divan.redis import get_redis, redis_key
from divan.workers import workers_disabled
from feeds.services import (
    fanout_chunk_run,
    fanout_purge,
    fanout_sweep,
    feeds_prune,
    rescore_recent,
)

logger = logging.getLogger(__name__)


@shared_task(name="feeds.fanout_chunk", ignore_result=True, acks_late=True)
def fanout_chunk(chunk_id: int) -> int:
    if workers_disabled("feeds.fanout_chunk"):
        return 0
    return fanout_chunk_run(chunk_id)


@shared_task(name="feeds.fanout_sweep", ignore_result=True)
def sweep_fanout() -> int:
    """Queue again the chunks whose task was lost, and repair stale caches."""
    if workers_disabled("feeds.fanout_sweep"):
        return 0
    lost, _repaired = fanout_sweep()
    for chunk_id in lost:
        fanout_chunk.apply_async(args=[chunk_id])
    return len(lost)


@shared_task(name="feeds.rescore", ignore_result=True)
def rescore() -> int | None:
    """Rescore the recent posts, holding a lock so that two runs never overlap; None when
    another run holds it."""
    if workers_disabled("feeds.rescore"):
        return 0
    lock = get_redis().lock(
        redis_key("feed", "rescore-lock"), timeout=settings.FEED_RESCORE_LOCK_SECONDS,
        blocking=False,
    )  # fmt: skip
    if not lock.acquire():
        logger.info("feeds.rescore: another run holds the lock; doing nothing")
        return None
    try:
        return rescore_recent()
    finally:
        with contextlib.suppress(LockError):
            lock.release()


@shared_task(name="feeds.purge", ignore_result=True)
def purge() -> int:
    """Delete the records of fan-out chunks done long ago, and the feeds of deactivated
    accounts."""
    if workers_disabled("feeds.purge"):
        return 0
    return fanout_purge() + feeds_prune()
