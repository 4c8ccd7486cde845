"""Heartbeats of Divan's long-lived processes (the Celery worker, beat, each event consumer), so
that /readyz, /api/ops/events/, `manage.py event_outbox` and /metrics can say which is absent.

Each process adds itself (`host:pid`) with Redis's time to one Redis sorted set per kind,
`<prefix>:processes:<kind>`, every PROCESS_HEARTBEAT_SECONDS; a kind is alive while one of its
members was seen within PROCESS_STALE_SECONDS. A clean stop removes its member at once."""

import logging
import os
import socket
import threading
from dataclasses import dataclass

import redis
from django.conf import settings

from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

WORKER = "worker"
BEAT = "beat"
STREAM = "stream"  # the live updates' ASGI process (live/server.py)
# members not seen for this long are dropped from their set as others beat
FORGET_SECONDS = 24 * 3600


def consumer_kind(name: str) -> str:
    return f"consumer:{name}"


def expected_kinds() -> list[str]:
    """The processes a running Divan needs: the worker, beat and the stream process always; each
    configured consumer while COMMUNITIES_WORKERS_ENABLED is on (off, the consumers do nothing)."""
    kinds = [WORKER, BEAT, STREAM]
    if settings.COMMUNITIES_WORKERS_ENABLED:
        kinds += [consumer_kind(name) for name in settings.EVENTS_CONSUMERS]
    return kinds


def process_key(kind: str) -> str:
    """The sorted set of `kind`'s processes by their last heartbeat (Redis's time)."""
    return redis_key("processes", kind)


def member_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Redis's clock, not the host's: hosts whose clocks disagree still agree on who is stale.
_BEAT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return 1
"""


def heartbeat(kind: str, member: str | None = None, client: redis.Redis | None = None) -> None:
    """Say that this process of `kind` is alive now (one round trip)."""
    client = client or get_redis()
    script = client.register_script(_BEAT)
    script(keys=[process_key(kind)], args=[member or member_name(), FORGET_SECONDS])


def heartbeat_stop(kind: str, member: str | None = None) -> None:
    """A clean stop: this process is gone now, not only once it is stale."""
    try:
        get_redis().zrem(process_key(kind), member or member_name())
    except redis.RedisError as error:
        logger.warning("processes: could not remove %s's heartbeat: %s", kind, error)


@dataclass(frozen=True)
class ProcessStatus:
    kind: str
    alive: int  # members seen within PROCESS_STALE_SECONDS
    last_seen_seconds: float | None  # since the newest heartbeat; None: none (or stopped cleanly)

    @property
    def state(self) -> str:
        if self.alive:
            return "ok"
        if self.last_seen_seconds is None:
            return "absent: none running"
        return f"absent: last seen {self.last_seen_seconds:.0f} s ago"


def processes_status(client: redis.Redis | None = None) -> list[ProcessStatus]:
    """Each expected kind's live members and its newest heartbeat's age, by Redis's clock (one
    round trip; a kind's set holds one member per process)."""
    kinds = expected_kinds()
    pipe = (client or get_redis()).pipeline(transaction=False)
    pipe.time()
    for kind in kinds:
        pipe.zrange(process_key(kind), 0, -1, withscores=True)
    (seconds, microseconds), *members = pipe.execute()
    now = seconds + microseconds / 1_000_000
    statuses = []
    for kind, beats in zip(kinds, members, strict=True):
        ages = [max(now - score, 0.0) for _, score in beats]
        alive = sum(age <= settings.PROCESS_STALE_SECONDS for age in ages)
        seen = min(ages) if ages else None
        statuses.append(ProcessStatus(kind=kind, alive=alive, last_seen_seconds=seen))
    return statuses


class Heartbeat:
    """A daemon thread that beats for `kind` until stopped (the worker's and beat's main
    process); a Redis error is logged and tried again at the next beat."""

    def __init__(self, kind: str):
        self.kind = kind
        self.member = member_name()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{kind}", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                heartbeat(self.kind, self.member)
            except redis.RedisError as error:
                logger.warning("processes: %s heartbeat failed: %s", self.kind, error)
            self._stopped.wait(settings.PROCESS_HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        heartbeat_stop(self.kind, self.member)
