"""Consumers: a consumer is a named function from one event to its effect.

    @consumer("search")
    def search(event: Event) -> None: ...

Each consumer reads the stream through its own Redis consumer group (XREADGROUP), and an event
is applied once in effect: `event_apply` records (consumer, event id) in ProcessedEvent in the
same transaction as the effect, so a redelivered event (a dispatcher that sent it twice, a
consumer killed before its XACK) finds the record and is acknowledged without a second effect.
An event whose function raises stays pending; once idle for EVENTS_CLAIM_IDLE_MS it is claimed
again (XAUTOCLAIM), and after EVENTS_MAX_DELIVERIES deliveries it goes to the dead-letter stream
instead, where `manage.py event_dead_letters` lists and replays it. Meanwhile the events behind
it go on. One run of a consumer holds a Redis lock, so that one name runs once at a time.
"""

import contextlib
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import LockError

from divan.events import queries, stream
from divan.events.models import StreamOffset
from divan.redis import get_redis
from divan.sql import fetch_one

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One event as a consumer receives it from the stream."""

    event_id: str
    type: str
    aggregate_type: str
    aggregate_id: int
    payload: dict
    created_at: str
    stream_id: str = ""

    @classmethod
    def from_entry(cls, stream_id: str, fields: dict[str, str]) -> "Event":
        return cls(
            event_id=fields["event_id"],
            type=fields["type"],
            aggregate_type=fields["aggregate_type"],
            aggregate_id=int(fields["aggregate_id"]),
            payload=json.loads(fields["payload"]),
            created_at=fields["created_at"],
            stream_id=stream_id,
        )


Handler = Callable[[Event], None]
_CONSUMERS: dict[str, Handler] = {}


def consumer(name: str) -> Callable[[Handler], Handler]:
    """Register `function` as the consumer `name` (its consumer group is created when it is in
    settings.EVENTS_CONSUMERS)."""

    def register(function: Handler) -> Handler:
        _CONSUMERS[name] = function
        return function

    return register


def handler_for(name: str) -> Handler:
    try:
        return _CONSUMERS[name]
    except KeyError:
        known = ", ".join(sorted(_CONSUMERS)) or "none"
        raise ValueError(f"No consumer is named {name!r} (known: {known}).") from None


def event_apply(name: str, event: Event, handler: Handler | None = None) -> bool:
    """Apply the event with consumer `name`'s function, once: True when applied now, False when
    it had been already. The record and the effect commit together, or neither does."""
    handler = handler or handler_for(name)
    with transaction.atomic():
        if fetch_one(queries.PROCESSED_RECORD, [name, event.event_id, timezone.now()]) is None:
            return False
        handler(event)
    return True


@dataclass
class RunReport:
    """What one run of a consumer did."""

    applied: int = 0
    duplicates: int = 0
    failed: int = 0
    dead_lettered: int = 0
    deliveries: int = 0
    redeliveries: int = 0
    seconds: float = 0.0
    last_acked_id: str = ""
    last_error: str = ""
    errors: list[str] = field(default_factory=list)

    def add(self, other: "RunReport") -> None:
        for name in ("applied", "duplicates", "failed", "dead_lettered", "deliveries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.redeliveries += other.redeliveries
        self.seconds += other.seconds
        self.last_acked_id = other.last_acked_id or self.last_acked_id
        self.last_error = other.last_error or self.last_error

    @property
    def read(self) -> int:
        return self.deliveries


def _stream_id_key(stream_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = stream_id.partition("-")
    return int(milliseconds), int(sequence or 0)


class ConsumerRun:
    """One consumer's reading of the stream, step by step (a step: reclaim what is idle too
    long, read what is new, apply, acknowledge, record the offset)."""

    def __init__(self, name: str, *, client: redis.Redis | None = None):
        self.name = name
        self.handler = handler_for(name)
        self.client = client or get_redis()
        self.member = settings.EVENTS_CONSUMER_MEMBER or socket.gethostname()
        self._errors_key = stream.consumer_errors_key(name)
        stream.groups_ensure(self.client)

    def step(
        self,
        *,
        block_ms: int | None = None,
        claim_idle_ms: int | None = None,
        after_batch: Callable[[], None] | None = None,
    ) -> RunReport:
        """One step; `claim_idle_ms` (default EVENTS_CLAIM_IDLE_MS) is how long an entry must
        have been pending elsewhere before this run takes it over; `after_batch` is called after
        each batch (the events process renews its lock and heartbeat there, however long a
        backlog the step works through)."""
        report = RunReport()
        idle = settings.EVENTS_CLAIM_IDLE_MS if claim_idle_ms is None else claim_idle_ms
        for entries in self._reclaimed(idle):
            self._handle(entries, report)
            if after_batch:
                after_batch()
        new = self._read_new(settings.EVENTS_CONSUMER_BLOCK_MS if block_ms is None else block_ms)
        self._handle([(entry_id, fields, 1) for entry_id, fields in new], report)
        self._record(report)
        return report

    def _read_new(self, block_ms: int) -> list[tuple[str, dict]]:
        answer = self.client.xreadgroup(
            self.name,
            self.member,
            {stream.stream_key(): ">"},
            count=settings.EVENTS_CONSUMER_BATCH,
            block=block_ms or None,
        )
        return answer[0][1] if answer else []

    def _reclaimed(self, min_idle_ms: int):
        """Batches of (id, fields, deliveries) claimed from consumers that left them idle for
        `min_idle_ms` (a killed process, a function that raised), following XAUTOCLAIM's
        cursor until it comes back to 0-0."""
        cursor = "0-0"
        while True:
            cursor, entries, deleted = self.client.xautoclaim(
                stream.stream_key(),
                self.name,
                self.member,
                min_idle_time=min_idle_ms,
                start_id=cursor,
                count=settings.EVENTS_CONSUMER_BATCH,
            )
            if deleted:  # gone from the stream while pending: nothing left to apply
                self.client.xack(stream.stream_key(), self.name, *deleted)
            entries = [(entry_id, fields) for entry_id, fields in entries if fields]
            if entries:
                yield self._with_deliveries(entries)
            if cursor in ("0-0", b"0-0"):
                return

    def _with_deliveries(self, entries: list[tuple[str, dict]]) -> list[tuple[str, dict, int]]:
        pipe = self.client.pipeline(transaction=False)
        for entry_id, _fields in entries:
            pipe.xpending_range(stream.stream_key(), self.name, entry_id, entry_id, 1)
        counts = [rows[0]["times_delivered"] if rows else 1 for rows in pipe.execute()]
        return [(entry_id, f, n) for (entry_id, f), n in zip(entries, counts, strict=True)]

    def _handle(self, entries: list[tuple[str, dict, int]], report: RunReport) -> None:
        """Apply each event in a transaction of its own, then acknowledge the batch. Not one
        transaction for the batch: an effect locks the rows it changes (a post, a comment) in
        stream order, which is not the services' lock order, and holding them to the end of a
        batch would let a user's edit deadlock with the consumer."""
        acked = [
            entry_id
            for entry_id, fields, deliveries in entries
            if self._handle_one(entry_id, fields, deliveries, report)
        ]
        if acked:
            self.client.xack(stream.stream_key(), self.name, *acked)
            report.last_acked_id = max(acked, key=_stream_id_key)

    def _handle_one(self, entry_id: str, fields: dict, deliveries: int, report: RunReport) -> bool:
        """Whether the entry is done with (applied now or before, or dead-lettered)."""
        report.deliveries += 1
        report.redeliveries += deliveries > 1
        if deliveries > settings.EVENTS_MAX_DELIVERIES:
            self._dead_letter(entry_id, fields, deliveries)
            report.dead_lettered += 1
            return True
        started = time.perf_counter()
        try:
            applied = event_apply(self.name, Event.from_entry(entry_id, fields), self.handler)
        except Exception as error:
            report.failed += 1
            report.last_error = f"{entry_id}: {type(error).__name__}: {error}"[:2000]
            # this entry's own last error, for its dead letter should it come to that
            self.client.hset(self._errors_key, entry_id, report.last_error)
            logger.exception("events: consumer %s failed on %s", self.name, entry_id)
            return False
        finally:
            report.seconds += time.perf_counter() - started
        report.applied += applied
        report.duplicates += not applied
        return True

    def _dead_letter(self, entry_id: str, fields: dict, deliveries: int) -> None:
        """Set the entry aside with its own last error; acknowledged right after, with the rest
        of its batch (dying in between sets it aside twice: a replay applies it once still)."""
        self.client.xadd(
            stream.dead_letter_key(),
            {
                **fields,
                "consumer": self.name,
                "stream_id": entry_id,
                "deliveries": str(deliveries),
                "error": self.client.hget(self._errors_key, entry_id) or "",
            },
        )
        self.client.hdel(self._errors_key, entry_id)
        logger.error("events: consumer %s sent %s to the dead letters", self.name, entry_id)

    def _record(self, report: RunReport) -> None:
        """The consumer's StreamOffset: its counts, last acknowledged id, lag and last error."""
        group = next(
            (g for g in self.client.xinfo_groups(stream.stream_key()) if g["name"] == self.name),
            None,
        )
        lag = (group or {}).get("lag") or 0
        pending = (group or {}).get("pending") or 0
        offset, _ = StreamOffset.objects.get_or_create(consumer=self.name)
        updates = {
            "lag": lag,
            "pending": pending,
            "processed": F("processed") + report.applied,
            "deliveries": F("deliveries") + report.deliveries,
            "redeliveries": F("redeliveries") + report.redeliveries,
            "dead_letters": F("dead_letters") + report.dead_lettered,
            "processing_seconds": F("processing_seconds") + report.seconds,
            "updated_at": timezone.now(),
        }
        if report.last_acked_id and (
            not offset.last_acked_id
            or _stream_id_key(report.last_acked_id) > _stream_id_key(offset.last_acked_id)
        ):
            updates["last_acked_id"] = report.last_acked_id
        if report.last_error:
            updates["last_error"] = report.last_error
            updates["last_error_at"] = timezone.now()
        StreamOffset.objects.filter(pk=offset.pk).update(**updates)


def consumer_run(
    name: str, *, seconds: float, block_ms: int | None = None, until_idle: bool = False
) -> RunReport | None:
    """Run consumer `name` for about `seconds` (or, with until_idle, until a step reads
    nothing), holding its lock; None when another run holds it."""
    client = get_redis()
    lock = client.lock(
        stream.consumer_lock_key(name),
        timeout=settings.EVENTS_CONSUMER_LOCK_SECONDS,
        blocking=False,
    )
    if not lock.acquire():
        return None
    total = RunReport()
    try:
        run = ConsumerRun(name, client=client)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            step = run.step(block_ms=block_ms)
            total.add(step)
            if until_idle and step.read == 0:
                break
            lock.reacquire()  # the lock lives EVENTS_CONSUMER_LOCK_SECONDS after each step
    finally:
        with contextlib.suppress(LockError):  # it expired meanwhile; another run may hold it
            lock.release()
    return total


def dead_letters(*, consumer: str | None = None, count: int = 100) -> list[tuple[str, dict]]:
    """The oldest dead letters (of one consumer, or all): (dead-letter id, fields)."""
    entries = get_redis().xrange(stream.dead_letter_key(), count=count)
    return [(entry_id, f) for entry_id, f in entries if consumer in (None, f.get("consumer"))]


def dead_letter_replay(entry_id: str) -> bool:
    """Apply a dead letter with its consumer's function (once in effect, as always) and remove
    it from the dead letters; True when it was applied now. Raises what the function raises,
    and then the dead letter stays."""
    client = get_redis()
    entries = client.xrange(stream.dead_letter_key(), min=entry_id, max=entry_id)
    if not entries:
        raise ValueError(f"No dead letter {entry_id}.")
    fields = entries[0][1]
    applied = event_apply(fields["consumer"], Event.from_entry(fields["stream_id"], fields))
    client.xdel(stream.dead_letter_key(), entry_id)
    return applied
