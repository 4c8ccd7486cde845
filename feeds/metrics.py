"""Feeds on /metrics, read at scrape time, the same from every web process: the fan-out backlog
and the caches left stale by failed writes, from PostgreSQL; the counters every process adds to
in Redis (feeds.cache.STATS): fan-out entries, chunks and their duration, the delay from a
post to its last reader's feed, cache reads by outcome, cache write failures, rebuilds, rank
refreshes and their duration; and Redis's memory."""

import logging

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from divan.metrics import CachedCollector, register_once
from divan.redis import get_redis
from feeds.cache import stats_read
from feeds.models import FanoutChunk
from feeds.services.fanout import DELAY_BUCKETS

# (metric, help, stats field) of the plain counters.
COUNTERS = (
    ("divan_feed_fanout_entries", "Feed rows written by fan-out", "fanout_entries"),
    ("divan_feed_fanout_chunks", "Fan-out chunks done", "fanout_chunks"),
    ("divan_feed_fanout_seconds", "Time spent running fan-out chunks", "fanout_seconds"),
    ("divan_feed_cache_write_failures", "Cache writes that failed (Redis down)",
     "cache_write_failures"),
    ("divan_feed_rebuilds", "Feeds rebuilt", "rebuilds"),
    ("divan_feed_rescores", "Runs of the periodic rescoring", "rescores"),
    ("divan_feed_rescore_seconds", "Time spent in periodic rescoring", "rescore_seconds"),
    ("divan_feed_rescored_posts", "Scores changed by periodic rescoring", "rescored_posts"),
)  # fmt: skip
# Reads of a reader's feed by where they were served from.
READS = {
    "cache": "reads_cached",
    "cold": "reads_cold",
    "fallback": "reads_fallback",
    "redis_down": "reads_redis_down",
}

logger = logging.getLogger(__name__)


class FeedsCollector(CachedCollector):
    def read(self):
        # Each read is of one partial index (fanout_chunk_pending, fanout_chunk_stale): the done
        # chunks kept for FEED_FANOUT_KEEP_HOURS, nearly all of the table, are not read.
        try:
            row = FanoutChunk.objects.filter(done_at__isnull=True).aggregate(
                pending=Count("*"), oldest=Min("created_at")
            )
            row["stale"] = FanoutChunk.objects.filter(cache_stale=True).count()
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
        yield from self._counters()

    def _counters(self):
        try:
            client = get_redis()
            stats = stats_read(client)  # this process's held counts sent first
            memory = client.info("memory")["used_memory"]
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: feed counters unreadable: %s", error)
            return
        for name, help_text, field in COUNTERS:
            yield CounterMetricFamily(name, help_text, value=stats.get(field, 0.0))
        reads = CounterMetricFamily(
            "divan_feed_reads",
            "Reads of personal feeds by where they were served from: the cache (a hit), a cold"
            " cache filled by the read, PostgreSQL behind a warm cache that could not serve the"
            " page, PostgreSQL while Redis did not answer",
            labels=["served"],
        )
        for label, field in READS.items():
            reads.add_metric([label], stats.get(field, 0.0))
        yield reads
        yield HistogramMetricFamily(
            "divan_feed_fanout_delay_seconds",
            "From a post's creation to its last reader's feed row and cache",
            buckets=[
                *[(str(bound), stats.get(f"delay_le:{bound}", 0.0)) for bound in DELAY_BUCKETS],
                ("+Inf", stats.get("delay_count", 0.0)),
            ],
            sum_value=stats.get("delay_seconds", 0.0),
        )
        yield GaugeMetricFamily(
            "divan_redis_used_memory_bytes",
            "Memory Redis uses, feed caches and everything else (INFO memory)",
            value=memory,
        )


def register() -> None:
    register_once(FeedsCollector)
