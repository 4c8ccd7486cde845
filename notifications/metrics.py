"""Notifications on /metrics: items delivered by type and the delay from an event to its items'
commit, counted in Redis by whichever process wrote them (the events process, a worker) and
read at scrape time, the same from every web process; and the chunks of large recipient sets
not yet written, from PostgreSQL.

The counters live in one Redis hash (`stats_key`); what a process counts while Redis does not
answer is held and carried by its next round trip."""

import logging
from collections import Counter
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from divan.metrics import CachedCollector, SharedCounters, register_once
from divan.redis import redis_key
from notifications.models import RecipientChunk
from notifications.types import TYPES

logger = logging.getLogger(__name__)

# The delay from an event to its items' commit, in seconds: the histogram's upper bounds.
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def stats_key() -> str:
    return redis_key("notifications", "stats")


STATS = SharedCounters(stats_key)


def count_delivered(by_type: Counter, *, event_created_at: datetime) -> None:
    """Count items delivered (new or folded in), by type, and their delay: from the event's
    creation to now, just after their commit; once per statement, with its count."""
    total = sum(by_type.values())
    if not total:
        return
    delay = max((timezone.now() - event_created_at).total_seconds(), 0.0)
    fields = {f"created:{kind}": count for kind, count in by_type.items()}
    fields.update({"delay_count": total, "delay_seconds": delay * total})
    fields.update({f"delay_le:{bound}": total for bound in DELAY_BUCKETS if delay <= bound})
    STATS.add(**fields)


class NotificationsCollector(CachedCollector):
    def read(self):
        try:  # one read of the partial index recipient_chunk_pending
            row = RecipientChunk.objects.filter(done_at__isnull=True).aggregate(
                pending=Count("*"), oldest=Min("created_at")
            )
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: notification chunks unreadable: %s", error)
        else:
            age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
            yield GaugeMetricFamily(
                "divan_notification_chunks_pending",
                "Chunks of large recipient sets (a watched group's watchers) not yet written",
                value=row["pending"],
            )
            yield GaugeMetricFamily(
                "divan_notification_chunks_oldest_pending_age_seconds",
                "Age of the oldest chunk of recipients not yet written",
                value=max(age, 0.0),
            )
        yield from self._counters()

    def _counters(self):
        try:
            stats = STATS.read()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: notification counters unreadable: %s", error)
            return
        created = CounterMetricFamily(
            "divan_notifications_created",
            "Notifications delivered, by type: items written, and events folded into an item",
            labels=["type"],
        )
        for kind in TYPES:
            created.add_metric([str(kind)], stats.get(f"created:{kind}", 0.0))
        yield created
        yield HistogramMetricFamily(
            "divan_notifications_delay_seconds",
            "From an event's creation to the commit of the notifications it made",
            buckets=[
                *[(str(bound), stats.get(f"delay_le:{bound}", 0.0)) for bound in DELAY_BUCKETS],
                ("+Inf", stats.get("delay_count", 0.0)),
            ],
            sum_value=stats.get("delay_seconds", 0.0),
        )


def register() -> None:
    register_once(NotificationsCollector)
