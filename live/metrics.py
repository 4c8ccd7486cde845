"""Live updates on /metrics: the stream processes' connections and what they sent, resumed,
reset and dropped, and the messages the live consumer published; counted in Redis by whichever
process did it and read at scrape time, the same from every web process.

Each stream process writes its open connections under its own name with every beat
(`connections_report`); a process whose heartbeat is stale (divan.processes) counts for
nothing, so a killed one's connections leave the gauge with it."""

import logging

from django.conf import settings
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from divan.metrics import CachedCollector, SharedCounters
from divan.processes import STREAM, process_key
from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

STREAM_KIND = STREAM

# counter field: (metric name, help)
COUNTERS = {
    "published": ("divan_live_published", "Messages the live consumer wrote to people's buffers"),
    "published_connected": (
        "divan_live_published_connected",
        "Messages published while a stream process held a stream of their person",
    ),
    "opened": ("divan_live_connections_opened", "Streams opened"),
    "sent": ("divan_live_messages_sent", "Messages sent to clients"),
    "resumes": ("divan_live_resumes", "Streams resumed from Last-Event-ID with what was missed"),
    "resets": (
        "divan_live_resets",
        "Resets sent: what a client missed was gone, or Redis failed under it",
    ),
    "dropped_slow": ("divan_live_dropped_slow", "Clients dropped for falling too far behind"),
    "dropped": ("divan_live_dropped", "Clients dropped because a write failed or timed out"),
    "ended_signed_out": (
        "divan_live_ended_signed_out",
        "Streams ended because their sign-in ended (signed out, token revoked)",
    ),
}


def stats_key() -> str:
    return redis_key("live", "stats")


def connections_key() -> str:
    return redis_key("live", "connections")


counters = SharedCounters(stats_key)


def connections_report(member: str, count: int) -> None:
    """A stream process's open connections now, with the counts it held: one round trip."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.hset(connections_key(), member, count)
    held = counters.queue(pipe)
    try:
        pipe.execute()
    except Exception:
        counters.keep(held)
        raise


def connections_end(member: str) -> None:
    """A stream process's clean stop: its entry goes (a restart is a new member, and the hash
    would keep every old one), and the counts it held are written."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.hdel(connections_key(), member)
    held = counters.queue(pipe)
    try:
        pipe.execute()
    except Exception:
        counters.keep(held)
        raise


def open_connections() -> dict[str, int]:
    """Open connections by live stream process (one seen within PROCESS_STALE_SECONDS)."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.time()  # Redis's clock, as the heartbeats are written
    pipe.hgetall(connections_key())
    pipe.zrange(process_key(STREAM_KIND), 0, -1, withscores=True)
    (seconds, microseconds), counts, beats = pipe.execute()
    since = seconds + microseconds / 1_000_000 - settings.PROCESS_STALE_SECONDS
    return {member: int(counts.get(member, 0)) for member, seen in beats if seen >= since}


class LiveCollector(CachedCollector):
    def read(self):
        try:
            connections = open_connections()
            stats = counters.read()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: live figures unreadable: %s", error)
            return
        yield GaugeMetricFamily(
            "divan_live_connections",
            "Streams open on the live stream processes seen alive",
            value=sum(connections.values()),
        )
        for field, (name, text) in COUNTERS.items():
            yield CounterMetricFamily(name, text, value=stats.get(field, 0.0))


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(LiveCollector())
        _registered = True
