"""`python -m bench --feeds`: feeds (issue 9), each figure beside a raw limit of this machine
measured in the same run.

- fan-out of one post to groups of BENCH_FEEDS_SMALL and BENCH_FEEDS_LARGE members (every member
  an active reader with a warm cache): `fanout_plan` and every chunk's `fanout_chunk_run` in
  process (one process, then two), in entries per second into both stores; beside (a) pipelined
  ZADD + ZREMRANGEBYRANK + EXPIRE into the same keys, 1,000 keys per round trip, and (b) one
  INSERT ... SELECT ... ON CONFLICT DO NOTHING per 1,000 members, combined serially
  (1 / (1/a + 1/b)); also with (a) a pipelined ZADD alone, a stricter limit (redis-py packs
  three commands per key slower than Divan's one EVALSHA); and beside Stream-Framework's write
  pattern run here (it is not on this machine's package index: one ZADD round trip and one
  INSERT per follower) and its published 3,000-5,000 entries/s (targets: 60% of the combined
  limit, and 6x 5,000);
- from the API's 201 for a post to its row and cache entry for the group's last member, with
  gunicorn, a real Celery worker (2 processes: dispatch and the chunks) and the events process
  (the feeds consumer) (targets for 1,000 members: p50 < 300 ms, p99 < 1 s);
- feed pages over HTTP under wrk (gunicorn -w 2, 16 connections, a token per connection, warm
  caches) beside the minimal view (bench.views.raw_feed) in the same server (targets: 40% of
  its throughput, p99 < 50 ms) and the authenticated floor (bench.views.AuthenticatedFloorView);
  cold reads (each reader's first read after its cache is dropped); reads with Redis down (a
  gunicorn on a redis-server of the bench's own, stopped);
- rescoring the last 72 hours' posts of a small and of a large group (flat in members);
- Redis memory per cached feed entry, and what 5,000 entries for 1,000,000 readers would take.

It runs on a scratch database of its own (`<BENCH_DATABASE_URL's name>_feeds`, written with
set-based SQL, dropped at the end) and Redis keys under a prefix of its own. Knobs:
BENCH_FEEDS_SMALL (10000), BENCH_FEEDS_LARGE (100000), BENCH_FEEDS_LATENCY_MEMBERS (1000),
BENCH_FEEDS_LATENCY_SAMPLES (30), BENCH_FEEDS_LARGE_SAMPLES (3), BENCH_FEEDS_READERS (200),
BENCH_FEEDS_READER_GROUPS (4), BENCH_FEEDS_READER_POSTS (150 per reader group),
BENCH_FEEDS_RECENT_POSTS (2000), BENCH_FEEDS_BASELINE (2000 followers), BENCH_FEEDS_WARM_ENTRIES
(20 per warm cache), BENCH_FEEDS_MEMORY_KEYS (50), BENCH_FEEDS_WORKER_CONCURRENCY (3); and
BENCH_DATABASE_URL, BENCH_SECONDS (per wrk run, 8), BENCH_ROUNDS (3) as `make bench`.
"""

import itertools
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.errors import BenchError
from bench.parsing import median, percentile

ROOT = Path(__file__).resolve().parent.parent
API = "/api/communities/v1"
REDIS_PREFIX = "divan-bench-feeds"  # Redis keys, and the Celery queue, of this bench alone
CHUNK = 1000  # members per raw INSERT and keys per raw pipelined round trip
RAISED_FANOUT_MAX = 10**6
STREAM_FRAMEWORK_PUBLISHED = (3000, 5000)  # entries/s, Stream-Framework's own figure
STREAM_FRAMEWORK_MULTIPLE = 6
FANOUT_TARGET_RATIO = 0.60
READ_TARGET_RATIO = 0.40
READ_TARGET_P99_MS = 50.0
LATENCY_TARGET_P50_MS, LATENCY_TARGET_P99_MS = 300.0, 1000.0
PROJECTED_ENTRIES, PROJECTED_READERS = 5000, 1_000_000
POLL_SECONDS = 0.002
WORKER_READY_SECONDS = 60
_BODY = (
    "A post long enough to look like one: a question, some context, a link or two and a "
    "closing line. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua."
)


@dataclass(frozen=True)
class FeedKnobs:
    small: int
    large: int
    latency_members: int
    latency_samples: int
    large_samples: int
    readers: int
    reader_groups: int
    reader_posts: int
    recent_posts: int
    baseline: int
    warm_entries: int
    memory_keys: int
    worker_concurrency: int

    @classmethod
    def from_environment(cls) -> "FeedKnobs":
        defaults = {
            "small": 10_000,
            "large": 100_000,
            "latency_members": 1000,
            "latency_samples": 30,
            "large_samples": 3,
            "readers": 200,
            "reader_groups": 4,
            "reader_posts": 150,
            "recent_posts": 2000,
            "baseline": 2000,
            "warm_entries": 20,
            "memory_keys": 50,
            "worker_concurrency": 2,
        }
        values = {}
        for name, default in defaults.items():
            variable = f"BENCH_FEEDS_{name.upper()}"
            try:
                values[name] = int(os.environ.get(variable, str(default)))
            except ValueError:
                raise BenchError(f"{variable} is a whole number") from None
            if values[name] < 1:
                raise BenchError(f"{variable} must be at least 1")
        knobs = cls(**values)
        if not knobs.latency_members <= knobs.small <= knobs.large:
            raise BenchError(
                "BENCH_FEEDS_LATENCY_MEMBERS <= BENCH_FEEDS_SMALL <= BENCH_FEEDS_LARGE"
            )
        if knobs.readers < 16:
            raise BenchError("BENCH_FEEDS_READERS must be at least 16 (one per wrk connection)")
        return knobs


@dataclass
class World:
    """What the measurements need to know about the scratch data."""

    member_first: int  # the members of the large group: one contiguous id range
    member_last: int
    small_group: int
    large_group: int
    latency_group: int
    reader_groups: list[int]
    reader_ids: list[int]
    reader_tokens: list[str]
    author_token: str  # the first member's: in the small, large and latency groups
    group_members: dict[int, list[int]] = field(default_factory=dict)


# --- the scratch database -------------------------------------------------------------------


def _scratch_url(database_url: str, suffix: str = "_feeds") -> tuple[str, str]:
    """(name, URL) of a bench's scratch database: BENCH_DATABASE_URL's, plus `suffix`."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + suffix
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def _create_database(name: str) -> None:
    from django.core.management import call_command
    from psycopg import sql

    from bench.database import _admin, _drop

    with _admin() as admin:
        _drop(admin, name)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", verbosity=0, interactive=False)


def _drop_database(name: str) -> None:
    from django.db import connections

    from bench.database import _admin, _drop

    connections.close_all()
    with _admin() as admin:
        _drop(admin, name)


def _table(model) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def _execute(query: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _insert_users(prefix: str, count: int) -> tuple[int, int]:
    """`count` users in one statement; their (first, last) id, a contiguous range."""
    from divan.models import User

    user = _table(User)
    _execute(
        f"INSERT INTO {user} (password, is_superuser, username, first_name, last_name, email,"
        " is_staff, is_active, date_joined, reputation)"
        " SELECT '!', false, %s || n, '', '', '', false, true, now(), mod(n, 200)"
        " FROM generate_series(1, %s) AS n",
        [prefix, count],
    )
    ((first, last, rows),) = _execute(
        f"SELECT min(id), max(id), count(*) FROM {user} WHERE username LIKE %s", [f"{prefix}%"]
    )
    if last - first + 1 != rows or rows != count:
        raise BenchError(f"users {prefix}*: ids {first}..{last} for {rows} rows")
    return first, last


def _insert_group(slug: str, *, owner_id: int, first: int, last: int) -> int:
    """A public group whose members are the users first..last (owner_id its owner)."""
    from communities.models import Group, Membership

    ((group_id,),) = _execute(
        f"INSERT INTO {_table(Group)} (name, slug, description, visibility, member_count,"
        " created_by_id, created_at, updated_at)"
        " VALUES (%s, %s, '', 'public', %s, %s, now() - interval '400 days', now()) RETURNING id",
        [slug.replace("-", " ").capitalize(), slug, last - first + 1, owner_id],
    )
    _execute(
        f"INSERT INTO {_table(Membership)} (group_id, user_id, role, created_at)"
        " SELECT %s, n, CASE WHEN n = %s THEN 'owner' ELSE 'member' END,"
        " now() - interval '365 days' FROM generate_series(%s::bigint, %s::bigint) AS n",
        [group_id, owner_id, first, last],
    )
    return group_id


def _insert_posts(
    group_id: int,
    *,
    author_first: int,
    authors: int,
    count: int,
    newest_age_seconds: float,
    span_seconds: float,
) -> list[int]:
    """`count` live posts, ids growing with time, the newest `newest_age_seconds` old and the
    oldest `span_seconds` before it; engagement and authors varied. Their ids."""
    from communities.models import Post

    post = _table(Post)
    rows = _execute(
        f"INSERT INTO {post} (group_id, author_id, title, body, pinned, locked, sort_key,"
        " created_at, reactions_count, reaction_counts, comments_count)"
        " SELECT %s, %s + mod(n, %s), 'Feeds bench post ' || n, %s, false, false, 0,"
        " now() - make_interval(secs => %s + (%s - n) * %s), mod(n * 7, 23), '{}'::jsonb,"
        " mod(n, 5) FROM generate_series(1, %s) AS n ORDER BY n RETURNING id",
        [
            group_id,
            author_first,
            authors,
            _BODY,
            newest_age_seconds,
            count,
            span_seconds / count,
            count,
        ],
    )
    _execute(f"UPDATE {post} SET sort_key = id WHERE sort_key = 0")
    return sorted(post_id for (post_id,) in rows)


def _insert_tokens(user_ids: list[int]) -> dict[int, str]:
    from rest_framework.authtoken.models import Token

    rows = _execute(
        f"INSERT INTO {_table(Token)} (key, created, user_id)"
        " SELECT md5('feeds-bench' || id || random()) || left(md5(random()::text), 8), now(), id"
        " FROM unnest(%s::bigint[]) AS id RETURNING user_id, key",
        [user_ids],
    )
    return dict(rows)


def _seed(knobs: FeedKnobs) -> World:
    """Users, groups, memberships, posts, tokens and active readers, set-based; then the readers'
    feeds as fan-out would have written them (feeds.services.feed_rebuild), scored."""
    from feeds.models import FeedReader
    from feeds.services import feed_rebuild, score_refresh

    first, last = _insert_users("feeds-member-", knobs.large)
    reader_first, reader_last = _insert_users("feeds-reader-", knobs.readers)
    hours_71 = 71 * 3600
    small = _insert_group("feeds-small", owner_id=first, first=first, last=first + knobs.small - 1)
    large = _insert_group("feeds-large", owner_id=first, first=first, last=last)
    latency = _insert_group(
        "feeds-latency", owner_id=first, first=first, last=first + knobs.latency_members - 1
    )
    for group_id in (small, large):
        _insert_posts(
            group_id,
            author_first=first,
            authors=1000,
            count=knobs.recent_posts,
            newest_age_seconds=60,
            span_seconds=hours_71,
        )
    reader_groups, reader_posts = [], []
    for n in range(knobs.reader_groups):
        group_id = _insert_group(
            f"feeds-readers-{n}", owner_id=reader_first, first=reader_first, last=reader_last
        )
        reader_groups.append(group_id)
        # older than the rescoring window: rescoring sees the small and large groups' posts only
        reader_posts += _insert_posts(
            group_id,
            author_first=reader_first,
            authors=knobs.readers,
            count=knobs.reader_posts,
            newest_age_seconds=4 * 86400,
            span_seconds=20 * 86400,
        )
    score_refresh(reader_posts)
    _execute(
        f"INSERT INTO {_table(FeedReader)} (user_id, read_at)"
        " SELECT n, now() FROM generate_series(%s::bigint, %s::bigint) AS n"
        " UNION ALL SELECT n, now() FROM generate_series(%s::bigint, %s::bigint) AS n",
        [first, last, reader_first, reader_last],
    )
    reader_ids = list(range(reader_first, reader_last + 1))
    tokens = _insert_tokens([first, *reader_ids])
    for reader_id in reader_ids:
        feed_rebuild(user_id=reader_id)
    _execute("VACUUM ANALYZE")
    return World(
        member_first=first,
        member_last=last,
        small_group=small,
        large_group=large,
        latency_group=latency,
        reader_groups=reader_groups,
        reader_ids=reader_ids,
        reader_tokens=[tokens[reader_id] for reader_id in reader_ids],
        author_token=tokens[first],
        group_members={
            small: list(range(first, first + knobs.small)),
            large: list(range(first, last + 1)),
            latency: list(range(first, first + knobs.latency_members)),
        },
    )


def _warm_caches(user_ids: list[int], entries: int, group_id: int) -> None:
    """Give every one of these readers a warm cache of the group's `entries` newest posts
    (fan-out adds only to caches that exist), 1,000 keys per pipelined round trip."""
    from communities.models import Post
    from divan.redis import get_redis
    from feeds.cache import feed_key, ttl_seconds

    post_ids = [
        post_id
        for (post_id,) in _execute(
            f"SELECT id FROM {_table(Post)} WHERE group_id = %s ORDER BY id DESC LIMIT %s",
            [group_id, entries],
        )
    ]
    members = {str(post_id): post_id for post_id in post_ids}
    client = get_redis()
    for start in range(0, len(user_ids), CHUNK):
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids[start : start + CHUNK]:
            pipe.zadd(feed_key(user_id), members)
            pipe.expire(feed_key(user_id), ttl_seconds())
        pipe.execute()


# --- fan-out --------------------------------------------------------------------------------


def _new_post(group_id: int, author_id: int) -> int:
    """A live post, just written, by SQL: no outbox event, so no worker fans it out."""
    (post_id,) = _insert_posts(
        group_id, author_first=author_id, authors=1, count=1, newest_age_seconds=0, span_seconds=0
    )
    return post_id


def _forget_post(post_id: int, user_ids: list[int]) -> None:
    """The post, its feed rows, chunks and score gone, and out of these readers' caches;
    then VACUUM (autovacuum is off here): the next measurement starts as this one did."""
    from communities.models import Post
    from feeds.models import FanoutChunk, FeedEntry, PostScore

    for model in (FeedEntry, FanoutChunk, PostScore):
        _execute(f"DELETE FROM {_table(model)} WHERE post_id = %s", [post_id])
    _execute(f"DELETE FROM {_table(Post)} WHERE id = %s", [post_id])
    _zrem_all(user_ids, str(post_id))
    _execute(f"VACUUM {_table(FeedEntry)}, {_table(FanoutChunk)}")


def _zrem_all(user_ids: list[int], member: str) -> None:
    """The member out of these readers' caches, CHUNK keys per round trip."""
    from divan.redis import get_redis
    from feeds.cache import feed_key

    client = get_redis()
    for start in range(0, len(user_ids), CHUNK):
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids[start : start + CHUNK]:
            pipe.zrem(feed_key(user_id), member)
        pipe.execute()


def _run_chunks(chunk_ids: list[int]) -> int:
    """In a forked process of the pool: run these chunks; the entries they wrote."""
    from feeds.services import fanout_chunk_run

    return sum(fanout_chunk_run(chunk_id) for chunk_id in chunk_ids)


def _divan_fanout(group_id: int, author_id: int, user_ids: list[int], pool=None) -> float:
    """fanout_plan, then every chunk (in this process, or split over the pool's processes):
    entries per second."""
    from feeds.services import fanout_chunk_run, fanout_plan

    post_id = _new_post(group_id, author_id)
    started = time.perf_counter()
    chunks = fanout_plan(post_id=post_id)
    if pool is None:
        entries = sum(fanout_chunk_run(chunk.pk) for chunk in chunks)
    else:
        ids = [chunk.pk for chunk in chunks]
        entries = sum(pool.map(_run_chunks, [ids[n::2] for n in range(2)]))
    seconds = time.perf_counter() - started
    if entries != len(user_ids):
        raise BenchError(f"fan-out of post {post_id} wrote {entries} of {len(user_ids)} entries")
    _forget_post(post_id, user_ids)
    return entries / seconds


def _raw_cache(user_ids: list[int], member: str, *, trim: bool = True) -> float:
    """(a) ZADD + ZREMRANGEBYRANK (to FEED_CACHE_MAX) + EXPIRE into each reader's key, CHUNK
    keys per pipelined round trip, with no script and no check; or, not `trim`, the ZADD alone
    (the least a cache write can be): entries per second."""
    from django.conf import settings

    from divan.redis import get_redis
    from feeds.cache import feed_key, ttl_seconds

    client, scored = get_redis(), {member: 2**40}  # the newest, as a new post is
    cap, ttl = settings.FEED_CACHE_MAX, ttl_seconds()
    started = time.perf_counter()
    for start in range(0, len(user_ids), CHUNK):
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids[start : start + CHUNK]:
            key = feed_key(user_id)
            pipe.zadd(key, scored)
            if trim:
                pipe.zremrangebyrank(key, 0, -(cap + 1))
                pipe.expire(key, ttl)
        pipe.execute()
    return len(user_ids) / (time.perf_counter() - started)


_RAW_INSERT = (
    "INSERT INTO {entry} (user_id, post_id, group_id, created_at)"
    " SELECT m.user_id, %s, %s, %s FROM {membership} AS m"
    " WHERE m.group_id = %s AND m.user_id > %s AND m.user_id <= %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING"
)


def _raw_rows(group_id: int, post_id: int, expected: int) -> float:
    """(b) the members' ids in one SELECT, then one INSERT ... SELECT per CHUNK members, each
    its own transaction: entries per second."""
    from django.db import connection
    from django.utils import timezone

    from communities.models import Membership
    from feeds.models import FeedEntry

    sql = _RAW_INSERT.format(entry=_table(FeedEntry), membership=_table(Membership))
    now = timezone.now()
    written = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id FROM {_table(Membership)} WHERE group_id = %s ORDER BY user_id",
            [group_id],
        )
        ids = [user_id for (user_id,) in cursor.fetchall()]
        bounds = [0, *ids[CHUNK - 1 :: CHUNK]]
        if bounds[-1] != ids[-1]:
            bounds.append(ids[-1])
        for after, last in itertools.pairwise(bounds):
            cursor.execute(sql, [post_id, group_id, now, group_id, after, last])
            written += cursor.rowcount
    seconds = time.perf_counter() - started
    if written != expected:
        raise BenchError(f"the raw INSERTs wrote {written} of {expected} rows")
    return written / seconds


def _stream_framework(group_id: int, post_id: int, user_ids: list[int]) -> float:
    """Stream-Framework's write pattern: per follower, one unpipelined ZADD (a round trip) and
    one INSERT of its row, committed per CHUNK followers as Divan's chunks are: entries per
    second."""
    from django.db import connection, transaction
    from django.utils import timezone

    from divan.redis import get_redis
    from feeds.cache import feed_key
    from feeds.models import FeedEntry

    client, now, member = get_redis(), timezone.now(), {str(post_id): post_id}
    sql = (
        f"INSERT INTO {_table(FeedEntry)} (user_id, post_id, group_id, created_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, post_id) DO NOTHING"
    )
    started = time.perf_counter()
    for start in range(0, len(user_ids), CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            for user_id in user_ids[start : start + CHUNK]:
                client.zadd(feed_key(user_id), member)
                cursor.execute(sql, [user_id, post_id, group_id, now])
    return len(user_ids) / (time.perf_counter() - started)


@dataclass
class FanoutFigures:
    members: int
    divan: list[float] = field(default_factory=list)
    divan_two: list[float] = field(default_factory=list)
    cache: list[float] = field(default_factory=list)
    zadd_only: list[float] = field(default_factory=list)
    rows: list[float] = field(default_factory=list)
    stream_framework: list[float] = field(default_factory=list)

    def combined(self, *, zadd_only: bool = False) -> list[float]:
        cache = self.zadd_only if zadd_only else self.cache
        return [1 / (1 / a + 1 / b) for a, b in zip(cache, self.rows, strict=True)]


def _measure_fanout(
    world: World, group_id: int, knobs: FeedKnobs, rounds: int, pool
) -> FanoutFigures:
    user_ids = world.group_members[group_id]
    figures = FanoutFigures(len(user_ids))
    author = world.member_first
    for round_index in range(rounds):
        figures.divan.append(_divan_fanout(group_id, author, user_ids))
        figures.divan_two.append(_divan_fanout(group_id, author, user_ids, pool))

        post_id = _new_post(group_id, author)
        figures.cache.append(_raw_cache(user_ids, str(post_id)))
        figures.zadd_only.append(_raw_cache(user_ids, f"{post_id}:zadd", trim=False))
        figures.rows.append(_raw_rows(group_id, post_id, len(user_ids)))
        _forget_post(post_id, user_ids)
        _zrem_all(user_ids, f"{post_id}:zadd")

        post_id = _new_post(group_id, author)
        sample = user_ids[: knobs.baseline]
        figures.stream_framework.append(_stream_framework(group_id, post_id, sample))
        _forget_post(post_id, sample)
        print(
            f"  {len(user_ids):,} members, round {round_index + 1}/{rounds}:"
            f" Divan {figures.divan[-1]:,.0f}/s (2 processes {figures.divan_two[-1]:,.0f}/s);"
            f" raw (a) {figures.cache[-1]:,.0f}/s (ZADD alone {figures.zadd_only[-1]:,.0f}/s),"
            f" (b) {figures.rows[-1]:,.0f}/s,"
            f" combined {figures.combined()[-1]:,.0f}/s; Stream-Framework pattern"
            f" {figures.stream_framework[-1]:,.0f}/s",
            flush=True,
        )
    return figures


# --- rescoring ------------------------------------------------------------------------------


def _measure_rescoring(world: World, rounds: int) -> dict[int, tuple[float, float, int]]:
    """For the small group and the large one in turn, the other's recent posts moved out of the
    window: rescore_recent with every score to write (scores deleted), then again with none
    changed. Per group: (median seconds all written, median seconds unchanged, posts)."""
    from communities.models import Post
    from feeds.models import PostScore
    from feeds.services import rescore_recent

    post, score = _table(Post), _table(PostScore)
    results = {}
    groups = (world.small_group, world.large_group)
    rescore_recent()  # the first run's plans and caches; not counted
    for group_id in groups:
        (other,) = [g for g in groups if g != group_id]
        _execute(
            f"UPDATE {post} SET created_at = created_at - interval '100 days' WHERE group_id = %s",
            [other],
        )
        try:
            written, unchanged, posts = [], [], 0
            for _ in range(rounds):
                _execute(f"DELETE FROM {score} WHERE group_id = %s", [group_id])
                _execute(f"VACUUM ANALYZE {score}")
                started = time.perf_counter()
                posts = rescore_recent()
                written.append(time.perf_counter() - started)
                started = time.perf_counter()
                again = rescore_recent()
                unchanged.append(time.perf_counter() - started)
                if again:
                    raise BenchError(f"rescoring again changed {again} scores")
            results[group_id] = (median(written), median(unchanged), posts)
        finally:
            _execute(
                f"UPDATE {post} SET created_at = created_at + interval '100 days'"
                " WHERE group_id = %s",
                [other],
            )
    return results


# --- memory ---------------------------------------------------------------------------------


def _measure_memory(keys: int, entries: int) -> float:
    """Bytes per entry of `keys` caches of `entries` entries, written by cache_fill (MEMORY
    USAGE of each key, all of it sampled); the keys are deleted after."""
    from divan.redis import get_redis
    from feeds.cache import cache_drop, cache_fill, feed_key

    client = get_redis()
    user_ids = [2_000_000_000 + n for n in range(keys)]  # no such users: keys of the bench's own
    try:
        total = 0
        for user_id in user_ids:
            first = 40_000_000 + user_id % 1000 * 10_000
            cache_fill(user_id, range(first, first + entries), client=client)
            total += client.memory_usage(feed_key(user_id), samples=0)
        return total / (keys * entries)
    finally:
        cache_drop(user_ids, client=client)


# --- processes ------------------------------------------------------------------------------


class Worker:
    """`celery -A config worker` and the events process (`manage.py consume_events --all`) on
    this bench's queue, database and Redis keys, each in a process group of its own, SIGKILLed
    as one."""

    def __init__(self, *, env: dict[str, str], concurrency: int, log_path: Path):
        self.env, self.concurrency, self.log_path = env, concurrency, log_path
        self.process: subprocess.Popen | None = None
        self.events: subprocess.Popen | None = None

    def __enter__(self) -> "Worker":
        celery = Path(sys.executable).with_name("celery")
        with self.log_path.with_suffix(".events.log").open("wb") as log:
            self.events = subprocess.Popen(
                [sys.executable, "manage.py", "consume_events", "--all"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    str(self.concurrency),
                    "-Q",
                    self.env["CELERY_TASK_DEFAULT_QUEUE"],
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(self, *exc_info) -> None:
        for process in (self.process, self.events):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        self.process = self.events = None

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def wait_consuming(self, consumer: str) -> None:
        """Until the consumer's run holds its lock (the events process took it)."""
        from divan.events import stream
        from divan.redis import get_redis

        deadline = time.monotonic() + WORKER_READY_SECONDS
        while not get_redis().exists(stream.consumer_lock_key(consumer)):
            if self.process.poll() is not None:
                raise BenchError(f"the worker exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the worker's {consumer} consumer did not start within"
                    f" {WORKER_READY_SECONDS} s:\n{self.log_tail()}"
                )
            time.sleep(0.05)


class OwnRedis:
    """A redis-server of the bench's own on a free port, no persistence; stopped by its pid."""

    def __init__(self):
        from bench.server import free_port

        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> "OwnRedis":
        import redis

        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise BenchError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)
        client.close()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


# --- HTTP: reads ----------------------------------------------------------------------------


def _feed_path(order: str) -> str:
    return f"{API}/feed/?order={order}&page_size=20"


def _get_ok(port: int, path: str, token: str | None) -> dict:
    from bench.server import request

    status, content = request(port, "GET", path, token=token)
    if status != 200:
        raise BenchError(f"GET {path} answered {status}: {content[:300]!r}")
    return json.loads(content)


def _timed_reads(port: int, world: World, order: str) -> list[float]:
    """Each reader's GET of its feed's first page, one after another: milliseconds each."""
    from bench.server import request

    latencies = []
    for token in world.reader_tokens:
        started = time.perf_counter()
        status, content = request(port, "GET", _feed_path(order), token=token)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise BenchError(f"GET {_feed_path(order)} answered {status}: {content[:300]!r}")
    return latencies


def _wrk(server, path: str, seconds: int, tokens_file: Path | None):
    from bench import http_bench

    job = http_bench.Job(
        key=path,
        label=f"GET {path}",
        tool="wrk",
        script=http_bench.WRK_DIR / "get.lua",
        path=path,
        args=(str(tokens_file), str(http_bench.THREADS)) if tokens_file else (),
    )
    measurement = http_bench.run_wrk(job, port=server.port, seconds=seconds, round_index=0)
    server.drain()
    return measurement


@dataclass
class ReadFigures:
    wrk: dict[str, list] = field(default_factory=dict)  # "top", "recent", "raw": Measurements
    cold_ms: list[float] = field(default_factory=list)
    warm_sequential_ms: list[float] = field(default_factory=list)
    results_per_page: int = 0
    redis_down: object = None
    redis_down_page: int = 0


def _measure_reads(
    server, world: World, *, seconds: int, rounds: int, run_dir: Path, figures: ReadFigures
) -> None:
    """Cold first reads one at a time, the same again warm, then wrk rounds of the feed (top,
    recent) and of the minimal view."""
    from bench.views import RAW_FEED_KEY_PARTS
    from communities.models import Post
    from divan.redis import get_redis, redis_key
    from feeds.cache import cache_drop

    tokens_file = run_dir / "readers.tokens"
    tokens_file.write_text("\n".join(world.reader_tokens) + "\n")
    reader_posts = [
        post_id
        for (post_id,) in _execute(
            f"SELECT id FROM {_table(Post)} WHERE group_id = ANY(%s)", [world.reader_groups]
        )
    ]
    raw_key = redis_key(*RAW_FEED_KEY_PARTS)
    get_redis().delete(raw_key)
    get_redis().zadd(raw_key, {str(post_id): post_id for post_id in reader_posts})
    page = _get_ok(server.port, _feed_path("top"), world.reader_tokens[0])
    figures.results_per_page = len(page.get("results", []))
    _get_ok(server.port, "/bench/raw-feed/", None)

    cache_drop(world.reader_ids)
    figures.cold_ms = _timed_reads(server.port, world, "top")
    figures.warm_sequential_ms = _timed_reads(server.port, world, "top")
    _timed_reads(server.port, world, "recent")  # every reader's cache warm for both orders
    print(
        f"  cold first reads (one at a time, {len(world.reader_ids)} readers): p50"
        f" {median(figures.cold_ms):.1f} ms, p99 {percentile(figures.cold_ms, 0.99):.1f} ms;"
        f" the same again warm: p50 {median(figures.warm_sequential_ms):.1f} ms, p99"
        f" {percentile(figures.warm_sequential_ms, 0.99):.1f} ms",
        flush=True,
    )

    paths = {
        "top": (_feed_path("top"), tokens_file),
        "recent": (_feed_path("recent"), tokens_file),
        "raw": ("/bench/raw-feed/", None),
        "floor": ("/bench/floor/", tokens_file),  # what every authenticated request pays
    }
    for path, tokens in paths.values():  # both workers warmed up on every path
        _wrk(server, path, 2, tokens)
    for round_index in range(rounds):
        for key, (path, tokens) in paths.items():
            m = _wrk(server, path, seconds, tokens)
            figures.wrk.setdefault(key, []).append(m)
            print(
                f"  round {round_index + 1}/{rounds} {key:<6} {m.requests_per_second:8.1f} req/s"
                f"  p50 {m.p50_ms:6.1f} ms  p99 {m.p99_ms:6.1f} ms  non-2xx {m.non_2xx}",
                flush=True,
            )
            if m.non_2xx:
                raise BenchError(f"GET {path}: {m.non_2xx} non-2xx answers under load")


def _measure_redis_down(
    env: dict[str, str], world: World, *, seconds: int, run_dir: Path, figures: ReadFigures
) -> None:
    """A second gunicorn on a redis-server of the bench's own, which is then stopped: wrk on the
    feed, its answers counted."""
    from bench.server import Gunicorn

    with OwnRedis() as own:
        down_env = {
            **env,
            "REDIS_URL": own.url,
            "CELERY_BROKER_URL": own.url,
            "CELERY_RESULT_BACKEND": own.url,
        }
        server = Gunicorn(
            binary=Path(sys.executable).parent / "gunicorn",
            cwd=ROOT,
            env=down_env,
            log_path=run_dir / "gunicorn-redis-down.log",
        )
        with server:
            own.stop()
            try:
                page = _get_ok(server.port, _feed_path("top"), world.reader_tokens[0])
                figures.redis_down_page = len(page.get("results", []))
                tokens_file = run_dir / "readers.tokens"
                _wrk(server, _feed_path("top"), 2, tokens_file)
                figures.redis_down = _wrk(server, _feed_path("top"), seconds, tokens_file)
            except BenchError as error:
                raise BenchError(f"{error}\ngunicorn's log ends:\n{server.log_tail()}") from None
    down = figures.redis_down
    print(
        f"  Redis down: {down.requests_per_second:.1f} req/s, p50 {down.p50_ms:.1f} ms, p99"
        f" {down.p99_ms:.1f} ms, non-2xx {down.non_2xx}",
        flush=True,
    )


# --- HTTP: post to feed ---------------------------------------------------------------------


def _post_to_feed(port: int, world: World, group_id: int, *, deadline_seconds: float) -> float:
    """POST a post to the group through the API; milliseconds from its 201 until its row and
    its cache entry exist for the group's last member. Then waits for every chunk to be done,
    so that the next post starts on an idle worker."""
    from bench.server import request
    from divan.redis import get_redis
    from feeds.cache import feed_key
    from feeds.models import FanoutChunk, FeedEntry

    last_member = world.group_members[group_id][-1]
    status, content = request(
        port,
        "POST",
        f"{API}/groups/{group_id}/posts/",
        token=world.author_token,
        body={"title": "Latency", "body": "A post to time."},
    )
    answered = time.perf_counter()
    if status != 201:
        raise BenchError(f"POST groups/{group_id}/posts/ answered {status}: {content[:300]!r}")
    post_id = json.loads(content)["id"]
    client, key, deadline = get_redis(), feed_key(last_member), answered + deadline_seconds
    entry = _table(FeedEntry)
    while True:
        (row,) = _execute(
            f"SELECT EXISTS (SELECT 1 FROM {entry} WHERE user_id = %s AND post_id = %s)",
            [last_member, post_id],
        )
        if row[0] and client.zscore(key, str(post_id)) is not None:
            break
        if time.perf_counter() > deadline:
            raise BenchError(
                f"post {post_id} did not reach user {last_member}'s feed within"
                f" {deadline_seconds:.0f} s"
            )
        time.sleep(POLL_SECONDS)
    elapsed = (time.perf_counter() - answered) * 1000
    chunks = FanoutChunk.objects.filter(post_id=post_id)
    while not chunks.exists() or chunks.filter(done_at__isnull=True).exists():
        if time.perf_counter() > deadline:
            raise BenchError(
                f"the chunks of post {post_id} were not done within {deadline_seconds:.0f} s"
            )
        time.sleep(0.01)
    return elapsed


def _measure_latency(
    server, world: World, knobs: FeedKnobs, env: dict[str, str], run_dir: Path
) -> dict[int, list[float]]:
    """A real worker (the feeds consumer, dispatch and the chunks), then posts one at a time
    to the latency group and to the large one."""
    worker_env = {
        **env,
        "FEED_FANOUT_MAX_MEMBERS": str(RAISED_FANOUT_MAX),
        "EVENTS_CONSUMERS": "feeds",
    }
    worker = Worker(
        env=worker_env, concurrency=knobs.worker_concurrency, log_path=run_dir / "worker.log"
    )
    results = {}
    with worker:
        worker.wait_consuming("feeds")
        try:
            for _ in range(3):  # the worker's first runs; not counted
                _post_to_feed(server.port, world, world.latency_group, deadline_seconds=30)
            for group_id, samples, deadline in (
                (world.latency_group, knobs.latency_samples, 30),
                (world.large_group, knobs.large_samples, 300),
            ):
                results[group_id] = []
                for _ in range(samples):
                    results[group_id].append(
                        _post_to_feed(server.port, world, group_id, deadline_seconds=deadline)
                    )
                    time.sleep(0.02)  # idle between posts
                members = len(world.group_members[group_id])
                print(
                    f"  {members:,} members: {samples} posts, p50"
                    f" {median(results[group_id]):.0f} ms, p99"
                    f" {percentile(results[group_id], 0.99):.0f} ms",
                    flush=True,
                )
        except BenchError as error:
            raise BenchError(f"{error}\nthe worker's log ends:\n{worker.log_tail()}") from None
    return results


# --- the report -----------------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _report(
    *,
    knobs: FeedKnobs,
    fanout: list[FanoutFigures],
    rescoring,
    world: World,
    reads: ReadFigures,
    latency: dict[int, list[float]],
    memory: dict[int, float],
    rounds: int,
) -> list[str]:
    """The table's lines; the last one says which targets were missed."""
    from django.conf import settings

    missed: list[str] = []
    lines = [
        f"fan-out of one post (entries/s into PostgreSQL and Redis; medians of {rounds}"
        " rounds; every member an active reader with a warm cache)"
    ]
    floor = STREAM_FRAMEWORK_MULTIPLE * STREAM_FRAMEWORK_PUBLISHED[1]
    for figures in fanout:
        combined = median(figures.combined())
        ratio = median([d / c for d, c in zip(figures.divan, figures.combined(), strict=True)])
        divan, divan_two = median(figures.divan), median(figures.divan_two)
        stream_framework = median(figures.stream_framework)
        zadd_only = median(figures.zadd_only)
        strict_ratio = median(
            [d / c for d, c in zip(figures.divan, figures.combined(zadd_only=True), strict=True)]
        )
        if ratio < FANOUT_TARGET_RATIO:
            missed.append(f"fan-out to {figures.members:,} (ratio)")
        if max(divan, divan_two) < floor:
            missed.append(f"fan-out to {figures.members:,} (6x Stream-Framework)")
        lines += [
            f"  {figures.members:>7,} members  Divan, 1 process {divan:>9,.0f}/s"
            f" | raw combined {combined:>9,.0f}/s | ratio {ratio:4.2f}"
            f"  (>= {FANOUT_TARGET_RATIO:.2f}: {_verdict(ratio >= FANOUT_TARGET_RATIO)};"
            f" >= {floor:,}/s: {_verdict(divan >= floor)})",
            f"  {'':>7}          Divan, 2 processes {divan_two:>7,.0f}/s"
            f" | (to the serial limit: {divan_two / combined:4.2f})"
            f"  (>= {floor:,}/s: {_verdict(divan_two >= floor)})",
            f"  {'':>7}          raw (a) Redis ZADD+ZREMRANGEBYRANK+EXPIRE, {CHUNK:,} keys per"
            f" trip {median(figures.cache):,.0f}/s; (b) INSERT ... SELECT per {CHUNK:,}"
            f" members {median(figures.rows):,.0f}/s",
            f"  {'':>7}          stricter: (a) as a pipelined ZADD alone {zadd_only:,.0f}/s,"
            f" combined {median(figures.combined(zadd_only=True)):,.0f}/s, Divan 1 process to it"
            f" {strict_ratio:4.2f}",
            f"  {'':>7}          Stream-Framework's pattern here (1 ZADD trip + 1 INSERT per"
            f" follower, {min(knobs.baseline, figures.members):,} followers)"
            f" {stream_framework:,.0f}/s; Divan 1 process is {divan / stream_framework:.1f}x"
            f" it, {divan / STREAM_FRAMEWORK_PUBLISHED[1]:.1f}x the published"
            f" {STREAM_FRAMEWORK_PUBLISHED[0]:,}-{STREAM_FRAMEWORK_PUBLISHED[1]:,}/s's upper end",
        ]

    lines.append(
        f"post to the last member's feed (API 201 to its row and cache entry; a real"
        f" worker, --concurrency {knobs.worker_concurrency}: dispatch and the chunks; the"
        " events process: the feeds consumer)"
    )
    for group_id, samples in latency.items():
        members = len(world.group_members[group_id])
        p50, p99 = median(samples), percentile(samples, 0.99)
        text = (
            f"  {members:>7,} members  {len(samples)} posts: p50 {p50:,.0f} ms, p99"
            f" {p99:,.0f} ms, max {max(samples):,.0f} ms"
        )
        if group_id == world.latency_group:
            met = p50 < LATENCY_TARGET_P50_MS and p99 < LATENCY_TARGET_P99_MS
            text += f"  (p50 < 300 ms, p99 < 1 s: {_verdict(met)})"
            if not met:
                missed.append(f"post to feed, {members:,} members")
        else:
            text += "  (no target)"
        lines.append(text)

    raw, floor = reads.wrk["raw"], reads.wrk["floor"]
    lines.append(
        f"feed reads over HTTP (gunicorn -w 2 sync, wrk -t2 -c16, a token per"
        f" connection, {reads.results_per_page} posts per page, medians of"
        f" {len(raw)} rounds)"
    )
    for order in ("top", "recent"):
        ours = reads.wrk[order]
        rps = median([m.requests_per_second for m in ours])
        p50, p99 = median([m.p50_ms for m in ours]), median([m.p99_ms for m in ours])
        ratio = median(
            [o.requests_per_second / r.requests_per_second for o, r in zip(ours, raw, strict=True)]
        )
        floor_ratio = median(
            [
                ours_m.requests_per_second / floor_m.requests_per_second
                for ours_m, floor_m in zip(ours, floor, strict=True)
            ]
        )
        met = ratio >= READ_TARGET_RATIO and p99 < READ_TARGET_P99_MS
        if not met:
            missed.append(f"feed reads ?order={order}")
        lines.append(
            f"  warm ?order={order:<7} {rps:>8,.1f} req/s p50 {p50:5.1f} ms p99 {p99:5.1f} ms"
            f" | minimal view {median([m.requests_per_second for m in raw]):>8,.1f} req/s p99"
            f" {median([m.p99_ms for m in raw]):5.1f} ms | ratio {ratio:4.2f}"
            f" | floor {median([m.requests_per_second for m in floor]):>8,.1f} req/s"
            f" ratio {floor_ratio:4.2f}"
            f"  (>= {READ_TARGET_RATIO:.2f}, p99 < {READ_TARGET_P99_MS:.0f} ms: {_verdict(met)})"
        )
    lines.append(
        f"  cold (first read after the cache is dropped, one at a time,"
        f" {len(reads.cold_ms)} readers): p50 {median(reads.cold_ms):.1f} ms, p99"
        f" {percentile(reads.cold_ms, 0.99):.1f} ms; warm, the same way: p50"
        f" {median(reads.warm_sequential_ms):.1f} ms, p99"
        f" {percentile(reads.warm_sequential_ms, 0.99):.1f} ms"
    )
    down = reads.redis_down
    ok = down.non_2xx == 0 and reads.redis_down_page == reads.results_per_page
    if not ok:
        missed.append("reads with Redis down")
    lines.append(
        f"  Redis down (?order=top, its redis-server stopped): {down.requests_per_second:,.1f}"
        f" req/s, p50 {down.p50_ms:.1f} ms, p99 {down.p99_ms:.1f} ms, non-2xx"
        f" {down.non_2xx}, {reads.redis_down_page} posts per page"
        f"  (every answer 2xx and whole: {_verdict(ok)})"
    )

    hours = settings.FEED_RESCORE_HOURS
    small_written, small_unchanged, small_posts = rescoring[world.small_group]
    large_written, large_unchanged, large_posts = rescoring[world.large_group]
    flat = large_written / small_written
    lines += [
        f"rescoring the last {hours} hours' posts (rescore_recent; medians of {rounds} rounds)",
        f"  {knobs.small:>7,} members  {small_posts:,} posts: {small_written:.3f} s with every"
        f" score written, {small_unchanged:.3f} s with none changed",
        f"  {knobs.large:>7,} members  {large_posts:,} posts: {large_written:.3f} s with every"
        f" score written, {large_unchanged:.3f} s with none changed",
        f"  large / small: {flat:.2f} (flat in members: the work is per post, never per reader)",
    ]

    full = memory[PROJECTED_ENTRIES]
    projected = full * PROJECTED_ENTRIES * PROJECTED_READERS
    lines.append(
        f"Redis memory per cached feed entry (MEMORY USAGE of {knobs.memory_keys} caches"
        " written by cache_fill)"
    )
    for entries, per_entry in sorted(memory.items()):
        lines.append(f"  {entries:>7,} entries per cache: {per_entry:.1f} bytes per entry")
    lines.append(
        f"  projected: {PROJECTED_ENTRIES:,} entries x {PROJECTED_READERS:,} active"
        f" readers = {projected / 2**30:,.0f} GiB"
    )
    lines.append(f"targets missed: {', '.join(missed)}" if missed else "targets: all met")
    return lines


# --- the run --------------------------------------------------------------------------------


def main() -> int:
    from bench import http_bench

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    knobs = http_bench.Knobs.from_environment()
    feed_knobs = FeedKnobs.from_environment()
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (scripts/apt-ensure wrk=wrk)")
    if shutil.which("redis-server") is None:
        raise BenchError("redis-server is not installed")
    name, url = _scratch_url(knobs.database_url)
    http_bench.configure_environment(knobs)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "REDIS_KEY_PREFIX": REDIS_PREFIX,
            "CELERY_TASK_DEFAULT_QUEUE": REDIS_PREFIX,
        }
    )
    # Raised for gunicorn too: the request that creates a post decides whether its group is read
    # at request time (feeds.services.feed_add_own), so the large group is fanned out at all.
    env = {**os.environ, "FEED_FANOUT_MAX_MEMBERS": str(RAISED_FANOUT_MAX)}

    import django

    django.setup()

    from django.conf import settings
    from django.db import connections

    from bench.server import Gunicorn
    from divan.redis import get_redis, redis_key

    print(
        f"Feeds on {name} (groups of {feed_knobs.small:,} and {feed_knobs.large:,} members,"
        f" {feed_knobs.readers} readers, BENCH_SECONDS={knobs.seconds},"
        f" BENCH_ROUNDS={knobs.rounds})",
        flush=True,
    )
    client = get_redis()
    run_dir = Path(tempfile.mkdtemp(prefix="divan-bench-feeds-"))
    pool = None
    try:
        http_bench._clear_redis(client, redis_key(""))
        _create_database(name)
        world = _seed(feed_knobs)
        _warm_caches(
            world.group_members[world.large_group], feed_knobs.warm_entries, world.large_group
        )
        prepared = time.perf_counter() - started
        print(
            f"  database created, migrated and seeded, {feed_knobs.large:,} caches warmed, in"
            f" {prepared:.0f} s",
            flush=True,
        )
        header = [
            *http_bench._machine(),
            f"settings: bench.settings (config.settings.prod + raw views), REDIS_KEY_PREFIX"
            f" {settings.REDIS_KEY_PREFIX}, FEED_FANOUT_CHUNK {settings.FEED_FANOUT_CHUNK},"
            f" FEED_CACHE_MAX {settings.FEED_CACHE_MAX}; FEED_FANOUT_MAX_MEMBERS"
            f" {settings.FEED_FANOUT_MAX_MEMBERS:,} raised to {RAISED_FANOUT_MAX:,} in this"
            " process, gunicorn and the worker, so that the large group is fanned out at all",
            f"data: {feed_knobs.large:,} members with warm caches of"
            f" {feed_knobs.warm_entries} entries; {feed_knobs.readers} readers in"
            f" {feed_knobs.reader_groups} groups of {feed_knobs.reader_posts} posts"
            f" ({feed_knobs.reader_groups * feed_knobs.reader_posts} entries per feed, by"
            f" feed_rebuild); {feed_knobs.recent_posts:,} posts of the last 71 hours in each of the"
            " small and large groups",
        ]
        for line in header:
            print(line, flush=True)
        settings.FEED_FANOUT_MAX_MEMBERS = RAISED_FANOUT_MAX

        print("fan-out", flush=True)
        connections.close_all()  # none inherited by the forked processes
        pool = multiprocessing.get_context("fork").Pool(2)
        fanout = [
            _measure_fanout(world, group_id, feed_knobs, knobs.rounds, pool)
            for group_id in (world.small_group, world.large_group)
        ]
        pool.close()
        pool.join()
        pool = None

        print("rescoring", flush=True)
        rescoring = _measure_rescoring(world, knobs.rounds)
        print("memory", flush=True)
        memory = {
            entries: _measure_memory(feed_knobs.memory_keys, entries)
            for entries in (100, PROJECTED_ENTRIES)
        }

        reads = ReadFigures()
        connections.close_all()
        server = Gunicorn(
            binary=Path(sys.executable).parent / "gunicorn",
            cwd=ROOT,
            env=env,
            log_path=run_dir / "gunicorn.log",
        )
        with server:
            print(f"reads: gunicorn on 127.0.0.1:{server.port}", flush=True)
            try:
                _measure_reads(
                    server,
                    world,
                    seconds=knobs.seconds,
                    rounds=knobs.rounds,
                    run_dir=run_dir,
                    figures=reads,
                )
            except BenchError as error:
                raise BenchError(f"{error}\ngunicorn's log ends:\n{server.log_tail()}") from None
            print("post to feed: a worker", flush=True)
            latency = _measure_latency(server, world, feed_knobs, env, run_dir)
        print("reads with Redis down", flush=True)
        _measure_redis_down(env, world, seconds=knobs.seconds, run_dir=run_dir, figures=reads)
        lines = _report(
            knobs=feed_knobs,
            fanout=fanout,
            rescoring=rescoring,
            world=world,
            reads=reads,
            latency=latency,
            memory=memory,
            rounds=knobs.rounds,
        )
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        http_bench._clear_redis(client, redis_key(""))
        _drop_database(name)
        shutil.rmtree(run_dir, ignore_errors=True)

    print()
    for line in header:
        print(line)
    print()
    for line in lines:
        print(line)
    print(f"whole run: {time.perf_counter() - started:.0f} s, of which preparing {prepared:.0f} s")
    return 0
