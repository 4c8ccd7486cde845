"""The outbox of events written with each change, and what each consumer has done with them."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

# An event still to send: neither dispatched nor set aside.
PENDING = Q(dispatched_at__isnull=True, set_aside_at__isnull=True)


class OutboxEvent(models.Model):
    """One change, written in the transaction that made it; dispatch appends it to the stream.

    Pending: not dispatched and not set aside. A failed dispatch counts an attempt and waits
    until `next_attempt_at` (backing off, capped); after EVENTS_DISPATCH_MAX_ATTEMPTS the event
    is set aside (`set_aside_at`, with its error) and never holds up the events behind it."""

    id = models.BigAutoField(primary_key=True)  # dispatch order
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.BigIntegerField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    set_aside_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=PENDING, name="outbox_pending"),
            models.Index(fields=["dispatched_at"], name="outbox_dispatched_at"),
            models.Index(
                fields=["id"], condition=Q(set_aside_at__isnull=False), name="outbox_set_aside"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.aggregate_type}:{self.aggregate_id} ({self.event_id})"


class ProcessedEvent(models.Model):
    """A consumer applied an event: written in the transaction of the effect, so a redelivered
    event finds it and is not applied again. Purged after EVENTS_RETENTION_DAYS."""

    consumer = models.CharField(max_length=64)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="processed_event_once")
        ]
        indexes = [models.Index(fields=["processed_at"], name="processed_event_at")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"


class StreamOffset(models.Model):
    """Where a consumer group stands, for operators (the ops endpoint, metrics) and rebuilds:
    the last stream id it acknowledged, its lag, its counts and its last error."""

    consumer = models.CharField(max_length=64, unique=True)
    last_acked_id = models.CharField(max_length=64, blank=True, default="")
    lag = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    processed = models.BigIntegerField(default=0)
    deliveries = models.BigIntegerField(default=0)
    redeliveries = models.BigIntegerField(default=0)
    dead_letters = models.BigIntegerField(default=0)
    processing_seconds = models.FloatField(default=0.0)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.consumer} at {self.last_acked_id or '0-0'} (lag {self.lag})"
