"""Feeds on /metrics: fan-out backlog and delay, and caches left stale by failed writes, read
from PostgreSQL at scrape time (the same from every web process)."""

import logging

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from feeds.models import FanoutChunk

logger = logging.getLogger(__name__)


class FeedsCollector(Collector):
    def describe(self):
        return []  # registering must not query the database while Django starts

    def collect(self):
        try:
            row = FanoutChunk.objects.aggregate(
                pending=Count("id", filter=Q(done_at__isnull=True)),
                oldest=Min("created_at", filter=Q(done_at__isnull=True)),
                stale=Count("id", filter=Q(cache_stale=True)),
            )
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: fan-out unreadable: %s", error)
            return
        age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        yield GaugeMetricFamily(
            "divan_feed_fanout_pending_chunks", "Fan-out chunks planned, not yet written",
            value=row["pending"],
        )  # fmt: skip
        yield GaugeMetricFamily(
            "divan_feed_fanout_oldest_pending_age_seconds",
            "Age of the oldest fan-out chunk not yet written: how late the slowest feed is",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "divan_feed_cache_stale_chunks",
            "Fan-out chunks whose cache write failed, their readers' caches not yet dropped",
            value=row["stale"],
        )


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(FeedsCollector())
        _registered = True
