"""`python -m bench --notifications`: notifications (issue 21), each figure beside a raw limit of
this machine measured in the same run.

- a post in a watched group of BENCH_NOTIFY_SMALL and BENCH_NOTIFY_LARGE watchers (every member
  watching): the notifications consumer's effect for its post.created event (`event_apply`, which
  plans the chunks) and every chunk's `recipient_chunk_run`, in process, in notification rows per
  second; beside one set-based INSERT ... SELECT ... ON CONFLICT DO NOTHING of the same rows from
  the group's watchers (target: at least 0.60 of it);
- commit to inbox for a reply: a real Celery worker (concurrency 1) and the events process (every
  consumer, as `make run` starts them), one comment at a time through the service, from its
  commit until the post's author has the item, polled every 2 ms (targets while idle: p50 under
  300 ms, p99 under 1 s); beside Redis's own publish-to-reader delay: XADD to a stream, and a
  reader blocked in XREADGROUP on it in another thread (the floor of any stream consumer).

The unread count over HTTP is in `make bench`'s main table (bench.http_bench), beside the
authenticated floor. It runs on a scratch database of its own (`<BENCH_DATABASE_URL's
name>_notifications`, written with set-based SQL, dropped at the end) and Redis keys under a
prefix of its own. Knobs: BENCH_NOTIFY_SMALL (10000), BENCH_NOTIFY_LARGE (100000),
BENCH_NOTIFY_LATENCY_SAMPLES (200), BENCH_ROUNDS (3: samples of the small group; the large one
2).
"""

import os
import signal
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import redis

from bench.errors import BenchError
from bench.feeds_bench import (
    _create_database,
    _drop_database,
    _execute,
    _insert_group,
    _insert_users,
    _scratch_url,
    _table,
)
from bench.parsing import percentile

REDIS_PREFIX = "divan-bench-notifications"  # Redis keys, and the Celery queue, of this bench
ROWS_TARGET = 0.60
LATENCY_TARGET_P50_MS, LATENCY_TARGET_P99_MS = 300.0, 1000.0
POLL_SECONDS = 0.002
IDLE_SECONDS = 0.05  # between two replies: the processes idle, as the target says


@dataclass(frozen=True)
class Knobs:
    small: int
    large: int
    latency_samples: int

    @classmethod
    def from_environment(cls) -> "Knobs":
        return cls(
            small=int(os.environ.get("BENCH_NOTIFY_SMALL", "10000")),
            large=int(os.environ.get("BENCH_NOTIFY_LARGE", "100000")),
            latency_samples=int(os.environ.get("BENCH_NOTIFY_LATENCY_SAMPLES", "200")),
        )


def _watch(group_id: int, first: int, last: int) -> None:
    from notifications.models import GroupLevel

    _execute(
        f"INSERT INTO {_table(GroupLevel)} (user_id, group_id, level, updated_at)"
        " SELECT n, %s, 'watching', now() FROM generate_series(%s::bigint, %s::bigint) AS n",
        [group_id, first, last],
    )


def _forget(post_id: int) -> None:
    from notifications.models import Notification

    _execute(f"DELETE FROM {_table(Notification)} WHERE post_id = %s", [post_id])
    _execute(f"VACUUM ANALYZE {_table(Notification)}")


def _post(group_id: int, author_id: int):
    """A post through the service (its post.created event in the outbox, not dispatched)."""
    from communities.models import Group
    from communities.services.posts import post_create
    from divan.models import User

    return post_create(author=User.objects.get(pk=author_id),
                       group=Group.objects.get(pk=group_id), title="Watched",
                       body="A post to every watcher.")  # fmt: skip


def _divan_rows(group_id: int, author, watchers: int) -> float:
    """A post through the service, then the consumer's effect of its event and every chunk, in
    this process: rows per second (from the event's apply to the last chunk's commit)."""
    from divan.events.consumers import event_apply
    from notifications.delivery import recipient_chunk_run
    from notifications.models import Notification, RecipientChunk
    from tests.notifications.delivering import outbox_events

    post = _post(group_id, author.pk)
    (event,) = (e for e in outbox_events("post.created") if e.aggregate_id == post.pk)
    started = time.perf_counter()
    event_apply("notifications", event)
    chunk_ids = list(
        RecipientChunk.objects.filter(event_id=event.event_id).values_list("pk", flat=True)
    )
    rows = sum(recipient_chunk_run(chunk_id) for chunk_id in chunk_ids)
    seconds = time.perf_counter() - started
    written = Notification.objects.filter(post_id=post.pk, type="group_post").count()
    if rows != watchers - 1 or written != rows:  # the author is not notified of their own post
        raise BenchError(f"post {post.pk}: {rows} rows written, {written} found, of {watchers - 1}")
    _forget(post.pk)
    return rows / seconds


def _raw_rows(group_id: int, author_id: int, watchers: int) -> float:
    """The same rows in one INSERT ... SELECT from the group's watchers: rows per second."""
    from notifications.models import GroupLevel, Notification

    post_id = _post(group_id, author_id).pk
    event_id = str(uuid.uuid4())
    started = time.perf_counter()
    rows = _execute(
        f"INSERT INTO {_table(Notification)} (recipient_id, type, group_key, group_id, post_id,"
        " actor_id, actor_ids, count, data, event_id, created_at, updated_at)"
        " SELECT l.user_id, 'group_post', 'group_post:' || %(event)s, %(group)s, %(post)s,"
        " %(actor)s, ARRAY[%(actor)s]::bigint[], 1, '{}'::jsonb, %(event)s::uuid, now(), now()"
        f" FROM {_table(GroupLevel)} l"
        " WHERE l.group_id = %(group)s AND l.level = 'watching' AND l.user_id <> %(actor)s"
        " ON CONFLICT DO NOTHING RETURNING 1",
        {"event": event_id, "group": group_id, "post": post_id, "actor": author_id},
    )
    seconds = time.perf_counter() - started
    if len(rows) != watchers - 1:
        raise BenchError(f"the raw INSERT wrote {len(rows)} of {watchers - 1} rows")
    _forget(post_id)
    return len(rows) / seconds


def _measure_rows(group_id: int, author, watchers: int, samples: int) -> tuple[float, float]:
    """Medians over `samples` of (Divan, raw) rows per second, alternating the two."""
    divan, raw = [], []
    for _ in range(samples):
        raw.append(_raw_rows(group_id, author.pk, watchers))
        divan.append(_divan_rows(group_id, author, watchers))
    return statistics.median(divan), statistics.median(raw)


def _replies(post, replier, samples: int) -> list[float]:
    """Milliseconds from each reply's commit until the post's author has it in their inbox."""
    from communities.services.comments import comment_create
    from notifications.models import Notification

    results = []
    for n in range(samples):
        comment = comment_create(author=replier, post=post, body=f"A reply ({n})")
        committed = time.perf_counter()
        deadline = committed + 30
        arrived = Notification.objects.filter(recipient_id=post.author_id, comment_id=comment.pk)
        while not arrived.exists():
            if time.perf_counter() > deadline:
                raise BenchError(f"the reply {comment.pk} reached no inbox within 30 s")
            time.sleep(POLL_SECONDS)
        results.append((time.perf_counter() - committed) * 1000)
        time.sleep(IDLE_SECONDS)
    return results


def _stream_floor(client, samples: int) -> list[float]:
    """Milliseconds from an XADD until a reader blocked in XREADGROUP in another thread (its own
    connection) has the entry: Redis's publish-to-reader delay, the floor of a stream consumer."""
    from django.conf import settings

    from divan.redis import redis_key

    key = redis_key("{bench}", "notify-floor")
    client.delete(key)
    client.xgroup_create(key, "floor", id="$", mkstream=True)
    reader_client = redis.Redis.from_url(settings.REDIS_URL)
    received: list[float] = []
    ready, stop = threading.Event(), threading.Event()

    def read() -> None:
        while not stop.is_set():
            ready.set()
            answer = reader_client.xreadgroup("floor", "r", {key: ">"}, count=1, block=200)
            if answer:
                received.append(time.perf_counter())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    results = []
    try:
        for n in range(samples):
            ready.wait(5)
            before = len(received)
            sent = time.perf_counter()
            client.xadd(key, {"n": n})
            deadline = sent + 5
            while len(received) == before:
                if time.perf_counter() > deadline:
                    raise BenchError("the blocked reader did not receive the entry within 5 s")
                time.sleep(0.0002)
            results.append((received[before] - sent) * 1000)
            time.sleep(IDLE_SECONDS)
    finally:
        stop.set()
        thread.join(timeout=5)
        client.delete(key)
    return results


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> int:
    from bench import http_bench

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    knobs = http_bench.Knobs.from_environment()
    notify = Knobs.from_environment()
    name, url = _scratch_url(knobs.database_url, "_notifications")
    http_bench.configure_environment(knobs)
    os.environ.update(
        {"DATABASE_URL": url, "REDIS_KEY_PREFIX": REDIS_PREFIX,
         "CELERY_TASK_DEFAULT_QUEUE": REDIS_PREFIX}
    )  # fmt: skip

    import django

    django.setup()

    from django.conf import settings
    from django.db import connections

    from communities.models import Group
    from communities.services.posts import post_create
    from divan.models import User
    from divan.redis import get_redis, redis_key
    from tests.events.processes import Events, Worker

    print(f"Notifications on {name} (watched groups of {notify.small:,} and {notify.large:,},"
          f" {notify.latency_samples} replies)", flush=True)  # fmt: skip
    client = get_redis()
    lines = []
    try:
        http_bench._clear_redis(client, redis_key(""))
        _create_database(name)
        first, last = _insert_users("notify-member-", notify.large)
        small = _insert_group("notify-small", owner_id=first, first=first,
                              last=first + notify.small - 1)  # fmt: skip
        large = _insert_group("notify-large", owner_id=first, first=first, last=last)
        _watch(small, first, first + notify.small - 1)
        _watch(large, first, last)
        _execute("VACUUM ANALYZE")
        author = User.objects.get(pk=first)
        header = [
            *http_bench._machine(),
            f"settings: NOTIFICATIONS_CHUNK {settings.NOTIFICATIONS_CHUNK}; every member of each"
            " group watches it (a GroupLevel row); rows written in process, chunks one after"
            " another",
        ]
        for line in header:
            print(line, flush=True)
        prepared = time.perf_counter() - started

        lines.append("a post in a watched group: notification rows per second")
        for group_id, watchers, samples in (
            (small, notify.small, knobs.rounds),
            (large, notify.large, max(knobs.rounds - 1, 1)),
        ):
            print(f"  {watchers:,} watchers, {samples} samples", flush=True)
            divan, raw = _measure_rows(group_id, author, watchers, samples)
            ratio = divan / raw
            lines.append(
                f"  {watchers:>7,} watchers: {divan:>9,.0f} rows/s | one INSERT ... SELECT"
                f" {raw:>9,.0f} rows/s | {ratio:5.2f}  (>= {ROWS_TARGET:.2f}:"
                f" {_verdict(ratio >= ROWS_TARGET)})"
            )

        print("commit to inbox: a worker and the events process", flush=True)
        group = Group.objects.get(pk=small)
        replier = User.objects.get(pk=first + 1)
        post = post_create(author=author, group=group, title="Replies", body="Answer me.")
        floor = _stream_floor(client, notify.latency_samples)
        connections.close_all()
        env = {"DJANGO_SECRET_KEY": "bench-" + "x" * 40}
        worker, events = Worker(concurrency=1, **env).start(), Events(**env).start()
        try:
            _replies(post, replier, 5)  # the processes' start and first runs
            latencies = _replies(post, replier, notify.latency_samples)
        except BenchError as error:
            raise BenchError(f"{error}\n{worker.log_tail()}\n{events.log_tail()}") from None
        finally:
            worker.kill()
            events.kill()
        p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
        floor50, floor99 = statistics.median(floor), percentile(floor, 0.99)
        met = p50 < LATENCY_TARGET_P50_MS and p99 < LATENCY_TARGET_P99_MS
        lines.append(
            f"commit to inbox for a reply ({notify.latency_samples} replies one at a time):"
            f" p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms"
            f" | Redis XADD to a blocked XREADGROUP: p50 {floor50:.2f} ms, p99 {floor99:.2f} ms"
            f"  (targets p50 < {LATENCY_TARGET_P50_MS:.0f} ms, p99 <"
            f" {LATENCY_TARGET_P99_MS:.0f} ms: {_verdict(met)})"
        )
    finally:
        http_bench._clear_redis(client, redis_key(""))
        _drop_database(name)

    print()
    for line in [*header, "", *lines]:
        print(line)
    print(f"whole run: {time.perf_counter() - started:.0f} s, of which preparing {prepared:.0f} s")
    return 0
