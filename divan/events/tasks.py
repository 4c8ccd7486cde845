"""Thin, named Celery tasks for events (the consumers are no tasks: they run in the events
process, divan.events.process). Each is safe to run twice, or to be killed halfway: dispatch
claims rows under SKIP LOCKED and consumers deduplicate by event id. While
COMMUNITIES_WORKERS_ENABLED is false each one does nothing and says so in the log (and beat does
not schedule them); the outbox keeps every event until the switch is on again."""

import logging

import redis
from celery import shared_task

from divan.events.dispatch import dispatch_failure_count, outbox_dispatch, outbox_purge
from divan.events.stream import stream_trim
from divan.workers import workers_disabled

logger = logging.getLogger(__name__)


@shared_task(name="events.dispatch", ignore_result=True)
def dispatch_events() -> int:
    if workers_disabled("events.dispatch"):
        return 0
    try:
        return outbox_dispatch()
    except redis.ConnectionError as error:
        dispatch_failure_count()
        logger.warning("events.dispatch: Redis unreachable (%s); the outbox keeps them", error)
        return 0


@shared_task(name="events.trim", ignore_result=True)
def trim_stream() -> int:
    if workers_disabled("events.trim"):
        return 0
    return stream_trim()


@shared_task(name="events.purge", ignore_result=True)
def purge_events() -> int:
    if workers_disabled("events.purge"):
        return 0
    return outbox_purge()
