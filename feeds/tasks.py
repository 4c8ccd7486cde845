"""Thin, named Celery tasks of feeds; each safe to run twice or to be killed halfway. While
COMMUNITIES_WORKERS_ENABLED is false they do nothing and say so."""

import logging

from celery import shared_task
from django.conf import settings

from feeds.services import fanout_chunk_run, fanout_sweep

logger = logging.getLogger(__name__)


def _disabled(task: str) -> bool:
    if settings.COMMUNITIES_WORKERS_ENABLED:
        return False
    logger.info("%s: COMMUNITIES_WORKERS_ENABLED is false; doing nothing", task)
    return True


@shared_task(name="feeds.fanout_chunk", ignore_result=True, acks_late=True)
def fanout_chunk(chunk_id: int) -> int:
    if _disabled("feeds.fanout_chunk"):
        return 0
    return fanout_chunk_run(chunk_id)


@shared_task(name="feeds.fanout_sweep", ignore_result=True)
def sweep_fanout() -> int:
    """Queue again the chunks whose task was lost, and repair stale caches."""
    if _disabled("feeds.fanout_sweep"):
        return 0
    lost, _repaired = fanout_sweep()
    for chunk_id in lost:
        fanout_chunk.apply_async(args=[chunk_id])
    return len(lost)
