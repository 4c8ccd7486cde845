"""`python -m bench --events`: events through the outbox, dispatch and one consumer, beside this
machine's raw limits measured in the same run, and the delay from a commit to its search index.

- outbox write: `event_record`, 500 events per transaction, beside INSERTs of 500 outbox rows
  per statement (the same columns and payloads, no Django);
- dispatch: `outbox_dispatch` of pending events (claim, XADD pipelined, mark), beside XADD of
  the same entries pipelined from Python, 500 per round trip (target: at least 50%);
- consumer: the search consumer applying `post.edited` events (dedup record, index, XACK),
  beside XREADGROUP and XACK of the same entries with no effect;
- commit to search: a real Celery worker (as `make run` starts it) and one post created at a
  time through the service: from its commit until its search vector is written, polled every
  millisecond (targets while idle: p50 under 200 ms, p99 under 1 s).

It runs on a fresh copy of `make bench`'s seed, with Redis keys of its own. Knob: BENCH_EVENTS
(events per measurement, default 20,000).
"""

import os
import statistics
import time
import uuid

from bench.errors import BenchError

BATCH = 500
LATENCY_SAMPLES = 200


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def _line(label: str, value: float, unit: str, limit_label: str = "", limit: float = 0.0,
          target: str = "") -> str:  # fmt: skip
    text = f"  {label:<44} {value:>10,.0f} {unit}"
    if limit_label:
        ratio = value / limit if limit else 0.0
        text += f" | {limit_label:<34} {limit:>10,.0f} {unit} | {ratio:5.2f}"
        if target:
            text += f"  {target}"
    return text


def _payloads(post_ids: list[int], count: int) -> list[tuple[int, dict]]:
    """(post id, payload) of `count` post.edited events, cycling over the posts."""
    return [
        (pid, {"post_id": pid, "group_id": 0, "visibility": "public", "actor_id": None})
        for pid in (post_ids[n % len(post_ids)] for n in range(count))
    ]


def _raw_insert(events: list[tuple[int, dict]]) -> float:
    """INSERT the outbox rows, BATCH per statement, each in its transaction: seconds."""
    import json

    from django.db import connection, transaction

    from divan.events.models import OutboxEvent

    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    sql = (
        f"INSERT INTO {table} (event_id, type, aggregate_type, aggregate_id, payload, created_at,"
        " attempts, last_error)"
        " SELECT unnest(%s::uuid[]), 'post.edited', 'post', unnest(%s::bigint[]),"
        " unnest(%s::jsonb[]), now(), 0, ''"
    )
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        chunk = events[start : start + BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    [uuid.uuid4() for _ in chunk],
                    [pid for pid, _ in chunk],
                    [json.dumps(payload) for _, payload in chunk],
                ],
            )
    return time.perf_counter() - started


def _divan_write(events: list[tuple[int, dict]]) -> float:
    """event_record for each event, BATCH per transaction: seconds."""
    from django.db import transaction

    from communities.events import EventType
    from divan.events.outbox import event_record

    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        with transaction.atomic():
            for pid, payload in events[start : start + BATCH]:
                event_record(EventType.POST_EDITED, aggregate_type="post", aggregate_id=pid,
                             payload=payload)  # fmt: skip
    return time.perf_counter() - started


def _raw_xadd(client, key: str, count: int) -> float:
    """XADD `count` entries shaped like Divan's, BATCH per pipelined round trip: seconds."""
    import json

    from divan.events.models import OutboxEvent
    from divan.events.stream import OutboxEntry

    event = OutboxEvent.objects.order_by("id").first()  # a pending event, as dispatch sends it
    fields = OutboxEntry(
        event.pk, str(event.event_id), event.type, event.aggregate_type, event.aggregate_id,
        json.dumps(event.payload), event.created_at.isoformat(), event.attempts,
    ).fields()  # fmt: skip
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        pipe = client.pipeline(transaction=False)
        for _ in range(min(BATCH, count - start)):
            pipe.xadd(key, fields)
        pipe.execute()
    return time.perf_counter() - started


def _raw_read_ack(client, key: str, count: int) -> float:
    """XREADGROUP and XACK `count` entries, BATCH at a time, doing nothing with them."""
    client.xgroup_create(key, "raw", id="0")
    started = time.perf_counter()
    read = 0
    while read < count:
        answer = client.xreadgroup("raw", "raw", {key: ">"}, count=BATCH)
        if not answer:
            break
        ids = [entry_id for entry_id, _ in answer[0][1]]
        client.xack(key, "raw", *ids)
        read += len(ids)
    return time.perf_counter() - started


def _latencies(seed, samples: int) -> list[float]:
    """Milliseconds from each post's commit until the worker's search consumer indexed it."""
    from django.db import connection

    from communities.models import Group, Post
    from communities.services.posts import post_create
    from divan.models import User

    group = Group.objects.get(pk=seed.group_id)
    author = User.objects.get(pk=seed.member_id_min)
    table = connection.ops.quote_name(Post._meta.db_table)
    results = []
    for n in range(samples):
        post = post_create(author=author, group=group, title="Latency", body=f"probe {n}")
        committed = time.perf_counter()
        deadline = committed + 10
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    f"SELECT search_vector IS NOT NULL FROM {table} WHERE id = %s", [post.pk]
                )
                if cursor.fetchone()[0]:
                    break
                if time.perf_counter() > deadline:
                    raise BenchError(f"post {post.pk} was not indexed within 10 s")
                time.sleep(0.001)
        results.append((time.perf_counter() - committed) * 1000)
        time.sleep(0.02)  # idle between posts
    return results


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    from bench import http_bench

    knobs = http_bench.Knobs.from_environment()
    count = int(os.environ.get("BENCH_EVENTS", "20000"))
    os.environ.update(http_bench.configure_environment(knobs))
    os.environ["REDIS_KEY_PREFIX"] = "divan-bench-events"  # and the worker's queue, its own
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = "divan-bench-events"

    import django

    django.setup()

    from django.conf import settings
    from django.db import connection

    from bench import database as bench_database
    from communities.models import Post
    from divan.events import stream
    from divan.events.consumers import consumer_run
    from divan.events.dispatch import outbox_dispatch
    from divan.events.models import OutboxEvent, ProcessedEvent
    from divan.redis import get_redis, redis_key
    from tests.events.processes import Events, Worker

    started = time.perf_counter()
    print(f"Events on {connection.settings_dict['NAME']} ({count:,} events per measurement)")
    seed, _ = bench_database.prepare(reseed=knobs.reseed)
    client = get_redis()
    http_bench._clear_redis(client, redis_key(""))
    settings.EVENTS_CONSUMERS = ["search"]
    post_ids = list(Post.objects.filter(group_id=seed.group_id).values_list("pk", flat=True))
    events = _payloads(post_ids, count)
    lines = []

    def fresh_outbox() -> None:
        OutboxEvent.objects.all().delete()
        ProcessedEvent.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {OutboxEvent._meta.db_table}")

    try:
        fresh_outbox()
        raw_insert = _rate(count, _raw_insert(events))
        fresh_outbox()
        written = _rate(count, _divan_write(events))
        lines.append(_line("outbox write (event_record, 500 per txn)", written, "events/s",
                           "INSERT 500 rows per statement", raw_insert))  # fmt: skip

        raw_key = redis_key("{events}", "raw-limit")
        raw_xadd = _rate(count, _raw_xadd(client, raw_key, count))
        raw_read = _rate(count, _raw_read_ack(client, raw_key, count))
        client.delete(raw_key)

        dispatch_started = time.perf_counter()
        sent = outbox_dispatch()
        dispatched = _rate(sent, time.perf_counter() - dispatch_started)
        if sent != count:
            raise BenchError(f"dispatch sent {sent} of {count} events")
        lines.append(_line("dispatch (claim, XADD, mark)", dispatched, "events/s",
                           "XADD pipelined, 500 per trip", raw_xadd, ">= 0.50: "
                           + ("met" if dispatched >= 0.5 * raw_xadd else "MISSED")))  # fmt: skip

        consume_started = time.perf_counter()
        report = consumer_run("search", seconds=600, block_ms=0, until_idle=True)
        consumed = _rate(report.applied, time.perf_counter() - consume_started)
        if report.applied != count:
            raise BenchError(f"the consumer applied {report.applied} of {count} events")
        lines.append(_line("search consumer (dedup, index, XACK)", consumed, "events/s",
                           "XREADGROUP + XACK, no effect", raw_read))  # fmt: skip

        fresh_outbox()
        client.delete(stream.stream_key())
        connection.close()
        env = {"EVENTS_CONSUMERS": "search", "DJANGO_SECRET_KEY": "bench-" + "x" * 40}
        worker, events = Worker(concurrency=1, **env).start(), Events(**env).start()
        try:
            _latencies(seed, 5)  # the processes' start and first runs
            latencies = _latencies(seed, LATENCY_SAMPLES)
        finally:
            worker.kill()
            events.kill()
        p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
        verdict = "met" if p50 < 200 and p99 < 1000 else "MISSED"
        lines.append(
            f"  commit to search (worker at concurrency 1 and the events process,"
            f" {LATENCY_SAMPLES} posts one at a time)"
            f"   p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms"
            f"  (targets p50 < 200 ms, p99 < 1 s: {verdict})"
        )
    finally:
        http_bench._clear_redis(client, redis_key(""))

    print()
    print("what                                            Divan            | raw limit"
          "                                      | ratio")  # fmt: skip
    for line in lines:
        print(line)
    print(f"whole run: {time.perf_counter() - started:.0f} s")
    return 0
