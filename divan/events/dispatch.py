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
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from divan.events import queries, stream
from divan.events.models import OutboxEvent, ProcessedEvent
from divan.redis import get_redis
from divan.sql import execute, fetch_all

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


def _dispatch_batch(client: redis.Redis, batch_size: int) -> tuple[int, int]:
    """Claim and mark one batch, send it, and commit, in one transaction: (sent, failed). An
    event Redis refused is unmarked again, with its failed attempt recorded."""
    now = timezone.now()
    with transaction.atomic():
        claimed = fetch_all(queries.OUTBOX_CLAIM, [now, now, batch_size])
        batch = sorted((stream.OutboxEntry(*row) for row in claimed), key=_by_id)
        if not batch:
            return 0, 0
        pipe = client.pipeline(transaction=False)
        for entry in batch:
            pipe.xadd(stream.stream_key(), entry.fields())
        # after the entries: a snapshot of Redis that has this mark has them too
        pipe.zadd(stream.high_water_key(), {"id": batch[-1].id}, gt=True)
        # A lost connection raises here, and the whole batch stays as it was.
        results = pipe.execute(raise_on_error=False)[:-1]
        failed = [(entry, result) for entry, result in zip(batch, results, strict=True)
                  if isinstance(result, Exception)]  # fmt: skip
        for entry, error in failed:
            _attempt_failed(entry, error, now)
    return len(batch) - len(failed), len(failed)


def _by_id(entry: "stream.OutboxEntry") -> int:
    return entry.id


def _attempt_failed(entry: "stream.OutboxEntry", error: Exception, now) -> None:
    attempts = entry.attempts  # counted by the claim
    last_error = f"{type(error).__name__}: {error}"[:2000]
    set_aside = attempts >= settings.EVENTS_DISPATCH_MAX_ATTEMPTS
    OutboxEvent.objects.filter(pk=entry.id).update(
        dispatched_at=None,
        attempts=attempts,
        last_error=last_error,
        next_attempt_at=now + _backoff(attempts),
        set_aside_at=now if set_aside else None,
    )
    if set_aside:
        logger.error("events: set aside %s %s after %d attempts: %s",
                     entry.type, entry.event_id, attempts, last_error)  # fmt: skip


def outbox_dispatch(*, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Send what is due, batch after batch, until none is left (or max_batches); how many
    events were sent. Raises redis.ConnectionError when Redis cannot be reached."""
    batch_size = batch_size or settings.EVENTS_DISPATCH_BATCH
    max_batches = max_batches or settings.EVENTS_DISPATCH_MAX_BATCHES
    client = get_redis()
    client.delete(stream.kick_key())  # events committed from now on ask for a new dispatch
    stream.groups_ensure(client)
    stream_loss_repair(client)
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


RESEND_RANGE = 10_000


def outbox_resend_unapplied(*, after_id: int, up_to_id: int) -> int:
    """Make every dispatched event with an id in (after_id, up_to_id] that a consumer in
    EVENTS_CONSUMERS has not applied (no ProcessedEvent) pending again, to be sent anew; how
    many. Consumers that had applied one find their record and skip it; dead-lettered events
    count as not applied and go round again. One statement per RESEND_RANGE ids, each its own
    transaction, so a long repair holds no lock for long; killed halfway, it is run again."""
    consumers = list(settings.EVENTS_CONSUMERS)
    resent = 0
    for low in range(after_id, up_to_id, RESEND_RANGE):
        resent += execute(
            queries.OUTBOX_RESEND, [low, min(low + RESEND_RANGE, up_to_id), consumers]
        )
    return resent


def _stream_was_read(client: redis.Redis) -> bool:
    """Whether a consumer group has been delivered entries from this Redis's stream (a group
    made again after a loss starts at 0-0)."""
    groups = stream.groups_of(client)
    return any(group["last-delivered-id"] not in ("0-0", b"0-0") for group in groups)


def stream_loss_repair(client: redis.Redis) -> int:
    """The outbox stays the truth when Redis loses events after their dispatch: restarted
    empty, flushed, or restored from an older snapshot. Every batch's XADDs are followed, in
    their round trip, by the highest outbox id sent (`{events}:dispatched`), so Redis holds the
    mark only with the entries. A dispatch compares it with the highest id PostgreSQL has marked
    dispatched (read first: marks commit after their round trip, so a mark read after it is at
    least as high unless Redis lost it); lower or missing, every event above the mark that a
    consumer has not applied is made pending again, then the mark is raised. The loss is counted
    and the stream's epoch moved (its alert). A Redis that kept its stream but has no mark yet
    (Divan before this check: its consumer groups have read entries) gets the mark, and nothing
    is resent. How many events were resent."""
    last = (
        OutboxEvent.objects.filter(dispatched_at__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if last is None:
        return 0  # nothing was ever dispatched
    mark = client.zscore(stream.high_water_key(), "id")
    if mark is not None and mark >= last:
        return 0
    if mark is None and _stream_was_read(client):
        client.zadd(stream.high_water_key(), {"id": last}, gt=True)  # a first start, not a loss
        return 0
    resent = outbox_resend_unapplied(after_id=int(mark or 0), up_to_id=last)
    pipe = client.pipeline(transaction=False)
    pipe.zadd(stream.high_water_key(), {"id": last}, gt=True)
    pipe.set(stream.epoch_key(), f"{time.time():.3f}")
    pipe.hincrby(stream.stats_key(), "stream_losses", 1)
    pipe.hincrby(stream.stats_key(), "resent", resent)
    pipe.execute()
    logger.warning("events: Redis lost dispatched events (its mark %s, the outbox's %d); %d"
                   " unapplied event(s) sent again", mark, last, resent)  # fmt: skip
    return resent


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


def outbox_retry_set_aside() -> int:
    """Make every set-aside event due again, with its attempts counted from zero (after the
    cause is fixed); how many. Its last error stays until a dispatch succeeds or fails again."""
    return OutboxEvent.objects.filter(set_aside_at__isnull=False).update(
        set_aside_at=None, attempts=0, next_attempt_at=None
    )
