"""Uploads on /metrics, read at scrape time: uploads by status and the bytes of ready ones, from
PostgreSQL; the cleanup's deletions and failures, counted in one Redis hash that every worker
adds to (`uploads_count`)."""

import logging

import redis
from django.db.models import Count, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from communities.models import Upload, UploadStatus
from divan.metrics import CachedCollector, register_once
from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)


def _stats_key() -> str:
    return redis_key("uploads", "stats")


def uploads_count(counts: dict[str, int]) -> None:
    """Add a cleanup run's counts to the shared counters (not counted while Redis is down)."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        for field, amount in counts.items():
            if amount:
                pipe.hincrby(_stats_key(), field, amount)
        pipe.execute()
    except redis.RedisError as error:
        logger.warning("metrics: upload cleanup counts lost (%s): %s", error, counts)


class UploadsCollector(CachedCollector):
    def read(self):
        try:
            rows = {
                row["status"]: row
                # count(*), not count(id): an index-only scan of upload_status_size
                for row in Upload.objects.values("status").annotate(n=Count("*"), size=Sum("size"))
            }
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: uploads unreadable: %s", error)
            return
        uploads = GaugeMetricFamily("divan_uploads", "Uploads by status", labels=["status"])
        for status in UploadStatus.values:
            uploads.add_metric([status], rows.get(status, {}).get("n", 0))
        yield uploads
        yield GaugeMetricFamily(
            "divan_uploads_ready_bytes", "Bytes of ready uploads (as declared, or as cleaned)",
            value=rows.get(UploadStatus.READY, {}).get("size") or 0,
        )  # fmt: skip
        try:
            stats = get_redis().hgetall(_stats_key())
        except redis.RedisError as error:
            logger.warning("metrics: upload cleanup counters unreadable: %s", error)
            return
        deleted = CounterMetricFamily(
            "divan_uploads_deleted", "Uploads the cleanup deleted, by why", labels=["why"]
        )
        for why in ("expired", "rejected", "unattached", "deleted_content", "orphaned"):
            deleted.add_metric([why], int(stats.get(why, 0)))
        yield deleted
        yield CounterMetricFamily(
            "divan_uploads_cleanup_failures", "Uploads the cleanup could not delete yet (storage)",
            value=int(stats.get("failed", 0)),
        )  # fmt: skip


def register() -> None:
    register_once(UploadsCollector)
