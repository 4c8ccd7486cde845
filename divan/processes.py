"""Heartbeats of Divan's long-lived processes (the Celery worker, beat, each event consumer), so
that /readyz, /api/ops/events/, `manage.py event_outbox` and /metrics can say which is absent.

Each process adds itself (`host:pid`) with the time to one Redis sorted set per kind,
`<prefix>:processes:<kind>`, every PROCESS_HEARTBEAT_SECONDS; a kind is alive while one of its
members was seen within PROCESS_STALE_SECONDS. A clean stop removes its member at once."""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

WORKER = "worker"
BEAT = "beat"
# members not seen for this long are dropped from their set as others beat
FORGET_SECONDS = 24 * 3600


def consumer_kind(name: str) -> str:
    return f"consumer:{name}"


def expected_kinds() -> list[str]:
    """The processes a running Divan needs: the worker and beat always; each configured
    consumer while COMMUNITIES_WORKERS_ENABLED is on (off, the consumers do nothing)."""
    kinds = [WORKER, BEAT]
    if settings.COMMUNITIES_WORKERS_ENABLED:
        kinds += [consumer_kind(name) for name in settings.EVENTS_CONSUMERS]
    return kinds


def _key(kind: str) -> str:
    return redis_key("processes", kind)


def member_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat(kind: str, member: str | None = None, client: redis.Redis | None = None) -> None:
    """Say that this process of `kind` is alive now (one round trip)."""
    now = time.time()
    pipe = (client or get_redis()).pipeline(transaction=False)
    pipe.zadd(_key(kind), {member or member_name(): now})
    pipe.zremrangebyscore(_key(kind), "-inf", now - FORGET_SECONDS)
    pipe.execute()


def heartbeat_stop(kind: str, member: str | None = None) -> None:
    """A clean stop: this process is gone now, not only once it is stale."""
    try:
        get_redis().zrem(_key(kind), member or member_name())
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
    """Each expected kind's live members and its newest heartbeat's age (one round trip)."""
    kinds = expected_kinds()
    now = time.time()
    pipe = (client or get_redis()).pipeline(transaction=False)
    for kind in kinds:
        pipe.zcount(_key(kind), now - settings.PROCESS_STALE_SECONDS, "+inf")
        pipe.zrevrange(_key(kind), 0, 0, withscores=True)
    answers = pipe.execute()
    statuses = []
    for index, kind in enumerate(kinds):
        alive, newest = answers[2 * index], answers[2 * index + 1]
        seen = max(now - newest[0][1], 0.0) if newest else None
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
