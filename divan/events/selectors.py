"""Reads for operators: how far the outbox and each consumer are behind, and what failed.
One reading serves the ops endpoint and the /metrics collector."""

from dataclasses import asdict, dataclass

import redis
from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from divan.events import stream
from divan.events.models import PENDING, OutboxEvent, StreamOffset
from divan.processes import processes_status
from divan.redis import get_redis


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest_pending_age_seconds: float
    failing: int  # pending, with failed attempts behind them
    set_aside: int


@dataclass(frozen=True)
class ConsumerStatus:
    name: str
    lag: int
    pending: int
    last_acked_id: str
    processed: int
    deliveries: int
    redeliveries: int
    dead_letters: int
    processing_seconds: float
    last_error: str
    last_error_at: str | None
    updated_at: str | None


def outbox_status() -> OutboxStatus:
    """Two reads, each of the rows in one partial index (outbox_pending, outbox_set_aside): the
    dispatched rows kept for EVENTS_RETENTION_DAYS, nearly all of the table, are never read."""
    row = OutboxEvent.objects.filter(PENDING).aggregate(
        pending=Count("id"),
        failing=Count("id", filter=Q(attempts__gt=0)),
        oldest=Min("created_at"),
    )
    set_aside = OutboxEvent.objects.filter(set_aside_at__isnull=False).count()
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return OutboxStatus(
        pending=row["pending"],
        oldest_pending_age_seconds=max(age, 0.0),
        failing=row["failing"],
        set_aside=set_aside,
    )


def _live_groups(client: redis.Redis) -> dict[str, dict]:
    try:
        return {group["name"]: group for group in client.xinfo_groups(stream.stream_key())}
    except redis.ResponseError:  # no stream yet
        return {}


def consumers_status(client: redis.Redis | None = None) -> list[ConsumerStatus]:
    """Each configured consumer: its lag and pending count as Redis has them now (else as last
    recorded), and its counts and last error from its StreamOffset."""
    client = client or get_redis()
    live = _live_groups(client)
    offsets = {offset.consumer: offset for offset in StreamOffset.objects.all()}
    statuses = []
    for name in sorted(set(settings.EVENTS_CONSUMERS) | set(offsets)):
        offset = offsets.get(name) or StreamOffset(consumer=name, updated_at=None)
        group = live.get(name)
        lag = group.get("lag") if group else None
        statuses.append(
            ConsumerStatus(
                name=name,
                lag=int(lag if lag is not None else offset.lag),
                pending=int(group["pending"] if group else offset.pending),
                last_acked_id=offset.last_acked_id,
                processed=offset.processed,
                deliveries=offset.deliveries,
                redeliveries=offset.redeliveries,
                dead_letters=offset.dead_letters,
                processing_seconds=offset.processing_seconds,
                last_error=offset.last_error,
                last_error_at=offset.last_error_at.isoformat() if offset.last_error_at else None,
                updated_at=offset.updated_at.isoformat() if offset.updated_at else None,
            )
        )
    return statuses


def stream_counters(client: redis.Redis | None = None) -> dict[str, int]:
    """The counters every process adds to in Redis: written:<type>, dispatched, ..."""
    client = client or get_redis()
    return {key: int(value) for key, value in client.hgetall(stream.stats_key()).items()}


def stream_epoch(client: redis.Redis | None = None) -> float:
    """When dispatch last found that Redis had lost dispatched events (0: never, as far as this
    Redis knows)."""
    value = (client or get_redis()).get(stream.epoch_key())
    return float(value) if value else 0.0


def events_status() -> dict:
    """The whole picture, for GET /api/ops/events/."""
    client = get_redis()
    counters = stream_counters(client)
    return {
        "outbox": asdict(outbox_status()),
        "stream": {
            "length": client.xlen(stream.stream_key()),
            "dead_letters": client.xlen(stream.dead_letter_key()),
            "losses": counters.get("stream_losses", 0),
            "resent": counters.get("resent", 0),
        },
        "consumers": [asdict(status) for status in consumers_status(client)],
        "processes": [
            {**asdict(status), "state": status.state} for status in processes_status(client)
        ],
    }
