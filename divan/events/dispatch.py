"""Dispatch: pending outbox rows, in id order, appended to the stream and marked dispatched.

Each batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so several dispatchers share the
work without sending an event twice in the normal case. A dispatcher that dies between XADD and
its commit leaves its rows pending, and they are sent again: consumers deduplicate by event id.

An event that Redis refuses counts an attempt and waits, backing off (EVENTS_RETRY_BASE_SECONDS,
doubling, capped at EVENTS_RETRY_MAX_SECONDS); after EVENTS_DISPATCH_MAX_ATTEMPTS it is set aside
with its error, and never holds up the events behind it. Redis being unreachable is no fault of
the events: the batch stays pending as it was, and the next run (kicked, or Celery beat's)
sends it; the outbox's oldest pending age says how long that has been.
"""

import contextlib
import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from divan.events import stream
from divan.events.models import PENDING, OutboxEvent, ProcessedEvent
from divan.redis import get_redis

logger = logging.getLogger(__name__)


def dispatch_kick(event_type: str) -> None:
    """After an event's commit: count it, and ask a worker to dispatch now unless a dispatch
    was asked for already and has not started (one Redis round trip; a Celery message only
    then). Failing here loses nothing: the event waits in the outbox for beat's dispatch."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.hincrby(stream.stats_key(), f"written:{event_type}", 1)
        if settings.COMMUNITIES_WORKERS_ENABLED:
            pipe.set(stream.kick_key(), "1", nx=True, px=settings.EVENTS_KICK_TTL_MS)
        results = pipe.execute()
        if settings.COMMUNITIES_WORKERS_ENABLED and results[1]:
            from divan.events.tasks import dispatch_events

            dispatch_events.apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - the write has committed; never fail it now
        logger.warning("events: could not ask for a dispatch (%s); beat will send it", error)


def _backoff(attempts: int) -> timedelta:
    seconds = settings.EVENTS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.EVENTS_RETRY_MAX_SECONDS))


def _due(now) -> Q:
    return PENDING & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _dispatch_batch(client: redis.Redis, batch_size: int) -> tuple[int, int]:
    """Claim, send and mark one batch in one transaction: (sent, failed)."""
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .order_by("id")[:batch_size]
        )
        if not batch:
            return 0, 0
        pipe = client.pipeline(transaction=False)
        for event in batch:
            pipe.xadd(stream.stream_key(), stream.entry_fields(event))
        # A lost connection raises here, and the whole batch stays as it was.
        results = pipe.execute(raise_on_error=False)
        sent = [event.pk for event, result in zip(batch, results, strict=True)
                if not isinstance(result, Exception)]  # fmt: skip
        OutboxEvent.objects.filter(pk__in=sent).update(
            dispatched_at=now, attempts=F("attempts") + 1
        )
        failed = [(event, result) for event, result in zip(batch, results, strict=True)
                  if isinstance(result, Exception)]  # fmt: skip
        for event, error in failed:
            event.attempts += 1
            event.last_error = f"{type(error).__name__}: {error}"[:2000]
            event.next_attempt_at = now + _backoff(event.attempts)
            if event.attempts >= settings.EVENTS_DISPATCH_MAX_ATTEMPTS:
                event.set_aside_at = now
                logger.error("events: set aside %s after %d attempts: %s",
                             event, event.attempts, event.last_error)  # fmt: skip
            event.save(update_fields=["attempts", "last_error", "next_attempt_at", "set_aside_at"])
    return len(sent), len(failed)


def outbox_dispatch(*, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Send what is due, batch after batch, until none is left (or max_batches); how many
    events were sent. Raises redis.ConnectionError when Redis cannot be reached."""
    batch_size = batch_size or settings.EVENTS_DISPATCH_BATCH
    max_batches = max_batches or settings.EVENTS_DISPATCH_MAX_BATCHES
    client = get_redis()
    client.delete(stream.kick_key())  # events committed from now on ask for a new dispatch
    stream.groups_ensure(client)
    total_sent = total_failed = 0
    try:
        for _ in range(max_batches):
            sent, failed = _dispatch_batch(client, batch_size)
            total_sent, total_failed = total_sent + sent, total_failed + failed
            if sent + failed < batch_size:
                break
    finally:
        if total_sent or total_failed:
            pipe = client.pipeline(transaction=False)
            pipe.hincrby(stream.stats_key(), "dispatched", total_sent)
            pipe.hincrby(stream.stats_key(), "dispatch_failures", total_failed)
            pipe.execute()
    return total_sent


def dispatch_failure_count() -> None:
    """Count a dispatch run that could not reach Redis, where the count can be kept: best
    effort, for Redis is what failed."""
    with contextlib.suppress(redis.RedisError):
        get_redis().hincrby(stream.stats_key(), "dispatch_failures", 1)


def outbox_purge(*, batch_size: int = 5000) -> int:
    """Delete dispatched outbox rows, and consumers' processed-event records, older than
    EVENTS_RETENTION_DAYS, in bounded batches; how many rows went."""
    cutoff = timezone.now() - timedelta(days=settings.EVENTS_RETENTION_DAYS)
    deleted = 0
    for model, old in (
        (OutboxEvent, Q(dispatched_at__lt=cutoff)),
        (ProcessedEvent, Q(processed_at__lt=cutoff)),
    ):
        while True:
            ids = list(model.objects.filter(old).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            count, _ = model.objects.filter(pk__in=ids).delete()
            deleted += count
    return deleted
