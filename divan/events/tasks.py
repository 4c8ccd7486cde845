"""Thin, named Celery tasks for events. Each is safe to run twice, or to be killed halfway:
dispatch claims rows under SKIP LOCKED and consumers deduplicate by event id. While
COMMUNITIES_WORKERS_ENABLED is false each one does nothing and says so in the log (and beat does
not schedule them); the outbox keeps every event until the switch is on again."""

import logging

import redis
from celery import shared_task, signals
from django.conf import settings

from divan.events.consumers import consumer_run
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


@shared_task(name="events.consume", ignore_result=True)
def consume_events(name: str) -> int:
    """Run consumer `name` for EVENTS_CONSUMER_RUN_SECONDS, then queue the next run at once, so
    that one run is always reading; beat's periodic call restarts the chain after a worker died
    (and does nothing while a run holds the consumer's lock)."""
    if workers_disabled("events.consume"):
        return 0
    report = consumer_run(name, seconds=settings.EVENTS_CONSUMER_RUN_SECONDS)
    if report is None:
        return 0  # another run holds the lock
    if settings.COMMUNITIES_WORKERS_ENABLED:
        consume_events.apply_async(args=[name])
    return report.applied


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


@signals.worker_ready.connect
def _start_consumers(**kwargs) -> None:
    """A worker that starts queues each consumer's run at once, rather than waiting for beat's
    first call (EVENTS_START_CONSUMERS_ON_WORKER_READY; the tests' in-process worker does not)."""
    if settings.COMMUNITIES_WORKERS_ENABLED and settings.EVENTS_START_CONSUMERS_ON_WORKER_READY:
        for name in settings.EVENTS_CONSUMERS:
            consume_events.apply_async(args=[name])
