"""The events process (`manage.py consume_events --all`): every consumer in EVENTS_CONSUMERS, each
in a thread of its own, reading the stream for as long as the process lives.

Why a process of its own, not Celery tasks: a consumer waits on XREADGROUP for as long as it runs.
As a task it held one pool process all the time, so a worker at its default concurrency ran
nothing else (dispatch, fan-out chunks, images waited). Here a consumer is a thread, and the
worker's pool is left to short tasks; adding a consumer takes no pool slot.

Each thread holds its consumer's Redis lock while it reads, so one consumer reads in one place
at a time (a second events process, on another machine, waits as a standby and takes over when
the lock expires). On taking the lock it first claims every entry left pending in its group (the
previous holder is gone: a SIGKILL, a lost lock), then reads, applies, acknowledges, and says
it is alive (divan.processes) after every step. Any error (Redis or PostgreSQL down, Redis come
back empty) is logged, waited out (doubling from 1 s to 30 s) and the run started again.
SIGTERM or SIGINT stops every thread after its current step; a thread that dies all the same
stops the process, non-zero, for its supervisor to start again."""

import contextlib
import logging
import threading

import redis
from django.conf import settings
from django.db import connection
from redis.exceptions import LockError

from divan.events import stream
from divan.events.consumers import ConsumerRun
from divan.processes import consumer_kind, heartbeat, heartbeat_stop, member_name
from divan.redis import get_redis

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0


class ConsumerLoop:
    """One consumer's thread: hold the lock, step, beat; on an error wait and begin again."""

    def __init__(self, name: str, stop: threading.Event):
        self.name = name
        self.stop = stop
        self.kind = consumer_kind(name)
        self.member = f"{member_name()}:{name}"

    def run(self) -> None:
        self.backoff = BACKOFF_FIRST_SECONDS
        try:
            while not self.stop.is_set():
                try:
                    self._hold_and_read()
                except Exception:  # a consumer thread outlives any one failure
                    logger.exception(
                        "events: consumer %s failed; again in %.0f s", self.name, self.backoff
                    )
                    connection.close()  # a broken connection is opened anew
                    self.stop.wait(self.backoff)
                    self.backoff = min(self.backoff * 2, BACKOFF_MAX_SECONDS)
        finally:
            heartbeat_stop(self.kind, self.member)
            connection.close()

    def _hold_and_read(self) -> None:
        """Read while holding the consumer's lock; when another process holds it, wait a while
        (as its standby) and return."""
        client = get_redis()
        lock = client.lock(
            stream.consumer_lock_key(self.name),
            timeout=settings.EVENTS_CONSUMER_LOCK_SECONDS,
            blocking=False,
        )
        if not lock.acquire():
            self.stop.wait(max(settings.EVENTS_CONSUMER_LOCK_SECONDS / 4, 0.2))
            return

        def alive() -> None:
            """After every batch: the lock renewed (raising once lost, so the loop begins
            again), and the heartbeat."""
            lock.reacquire()
            heartbeat(self.kind, self.member, client)

        try:
            run = ConsumerRun(self.name, client=client)
            claim_idle_ms = 0  # what the last holder left pending is abandoned: take it now
            while not self.stop.is_set():
                run.step(claim_idle_ms=claim_idle_ms, after_batch=alive)
                claim_idle_ms = None
                alive()
                self.backoff = BACKOFF_FIRST_SECONDS  # a step went through
        finally:
            with contextlib.suppress(LockError, redis.RedisError):
                lock.release()


def consumers_run(names: list[str], stop: threading.Event) -> int:
    """Run `names` until `stop` is set: 0; 1 when a thread died of something uncaught."""
    threads = [
        threading.Thread(target=ConsumerLoop(name, stop).run, name=f"consumer-{name}")
        for name in names
    ]
    for thread in threads:
        thread.start()
    logger.info("events: consuming %s (%s)", ", ".join(names), member_name())
    exit_code = 0
    while not stop.wait(1.0):
        dead = [thread.name for thread in threads if not thread.is_alive()]
        if dead:
            logger.error("events: %s stopped; stopping the process", ", ".join(dead))
            exit_code = 1
            stop.set()
    for thread in threads:
        thread.join()
    return exit_code
