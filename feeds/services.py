"""Fan-out on write: a post reaches its group's members' feeds in bounded chunks.

`fanout_plan` (run by the feeds consumer on post.created, in the transaction of its dedup
record) splits the group's members, by user id, into chunks of FEED_FANOUT_CHUNK and records
them; each chunk is then one Celery task, `fanout_chunk_run`: one set-based INSERT ... SELECT
... ON CONFLICT DO NOTHING of feed rows, and one pipelined round trip adding the post to the
warm caches of the readers it reached, then the chunk is marked done. Running a chunk twice
changes nothing. A chunk whose task was lost (a killed worker, Redis down) is found by
`fanout_sweep` and queued again. A group over FEED_FANOUT_MAX_MEMBERS is not fanned out: its
posts join its members' feeds when they are read (one write per post, not a million).

Cache writes that fail (Redis down) leave the chunk `cache_stale` (so they are counted): once
Redis answers again, the sweep drops the caches of that chunk's readers, which refill from
PostgreSQL on their next read. A gap between cache and database is repaired, never served.
"""

import itertools
import logging
from collections.abc import Iterable
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from communities.models import Membership, Post
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry, PostScore
from feeds.ranking import Coefficients, hot_score

logger = logging.getLogger(__name__)


def _fanned_out(post: Post) -> bool:
    """Whether a post is written into its readers' feeds (else it is read from its group)."""
    return post.group.member_count <= settings.FEED_FANOUT_MAX_MEMBERS


def fanout_plan(*, post_id: int) -> list[FanoutChunk]:
    """Record the chunks that take a live post to its group's members, once (a second plan of
    the same post finds them); the chunks, to be run."""
    post = Post.objects.select_related("group").filter(pk=post_id).first()
    if post is None or post.deleted_at or post.hidden_at or post.group.archived_at:
        return []
    if not _fanned_out(post):
        return []
    user_ids = list(
        Membership.objects.filter(group_id=post.group_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    size = settings.FEED_FANOUT_CHUNK
    bounds = [0, *user_ids[size - 1 :: size]]
    if user_ids and bounds[-1] != user_ids[-1]:
        bounds.append(user_ids[-1])
    FanoutChunk.objects.bulk_create(
        [
            FanoutChunk(post_id=post.pk, after_user_id=after, last_user_id=last)
            for after, last in itertools.pairwise(bounds)
        ],
        ignore_conflicts=True,
    )
    return list(FanoutChunk.objects.filter(post_id=post.pk).order_by("after_user_id"))


# The feed rows of one chunk's members, set-based; the readers it reached.
_INSERT_ENTRIES = (
    "INSERT INTO {entry} (user_id, post_id, group_id, created_at)"
    " SELECT m.user_id, p.id, p.group_id, p.created_at FROM {membership} AS m"
    " JOIN {post} AS p ON p.group_id = m.group_id"
    " WHERE p.id = %s AND p.deleted_at IS NULL AND p.hidden_at IS NULL"
    " AND m.user_id > %s AND m.user_id <= %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING RETURNING user_id"
)


def _sql(template: str) -> str:
    tables = {"entry": FeedEntry, "membership": Membership, "post": Post}
    quote = connection.ops.quote_name
    return template.format(**{name: quote(model._meta.db_table) for name, model in tables.items()})


def fanout_chunk_run(chunk_id: int) -> int:
    """Write one chunk's feed rows and warm caches, and mark it done; how many rows it wrote
    (0 when it was done already, or another worker holds it). The cache is written before the
    commit: killed in between, the chunk is run again and writes both again, so no reader's
    cache misses a row the database has."""
    with transaction.atomic():
        chunk = (
            FanoutChunk.objects.select_for_update(skip_locked=True)
            .filter(pk=chunk_id, done_at__isnull=True)
            .first()
        )
        if chunk is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                _sql(_INSERT_ENTRIES), [chunk.post_id, chunk.after_user_id, chunk.last_user_id]
            )
            reached = [user_id for (user_id,) in cursor.fetchall()]
        try:
            cache.cache_add(reached, post_id=chunk.post_id, score=chunk.post_id)
        except redis.RedisError as error:
            chunk.cache_stale = True  # counted: chunks with stale caches
            logger.warning("feeds: cache not written for %s (%s); repaired later", chunk, error)
        chunk.done_at, chunk.entries = timezone.now(), len(reached)
        chunk.save(update_fields=["done_at", "entries", "cache_stale"])
    return len(reached)


def fanout_sweep() -> tuple[list[int], int]:
    """Chunks still pending FEED_FANOUT_RETRY_SECONDS after they were planned (their task was
    lost), to be queued again; and the stale caches repaired: the readers of chunks whose cache
    write failed lose their cached feed (it refills from PostgreSQL), once Redis answers."""
    cutoff = timezone.now() - timedelta(seconds=settings.FEED_FANOUT_RETRY_SECONDS)
    lost = list(
        FanoutChunk.objects.filter(done_at__isnull=True, created_at__lte=cutoff)
        .order_by("id")
        .values_list("pk", flat=True)[:1000]
    )
    repaired = 0
    for chunk in FanoutChunk.objects.filter(cache_stale=True).order_by("id")[:100]:
        readers = Membership.objects.filter(
            group__posts=chunk.post_id,
            user_id__gt=chunk.after_user_id,
            user_id__lte=chunk.last_user_id,
        ).values_list("user_id", flat=True)
        try:
            cache.cache_drop(readers)
        except redis.RedisError:
            break  # still down: the next sweep tries again
        FanoutChunk.objects.filter(pk=chunk.pk).update(cache_stale=False)
        repaired += 1
    return lost, repaired


# Upserts scores, writing only those that changed.
_UPSERT_SCORES = (
    "INSERT INTO {score} AS s (post_id, group_id, score, updated_at)"
    " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::timestamptz[])"
    " ON CONFLICT (post_id) DO UPDATE SET score = EXCLUDED.score, updated_at = EXCLUDED.updated_at"
    " WHERE s.score IS DISTINCT FROM EXCLUDED.score"
)


def score_refresh(post_ids: Iterable[int], *, coefficients: Coefficients | None = None) -> int:
    """Compute the scores of these posts from their counters and their authors' reputation, in
    one read and one upsert; how many changed. Running it twice changes nothing."""
    coefficients = coefficients or Coefficients.from_settings()
    rows = Post.objects.filter(pk__in=list(post_ids)).values_list(
        "pk", "group_id", "created_at", "reactions_count", "comments_count", "author__reputation"
    )
    now = timezone.now()
    ids, group_ids, scores = [], [], []
    for post_id, group_id, created_at, reactions, comments, reputation in rows:
        ids.append(post_id)
        group_ids.append(group_id)
        scores.append(
            hot_score(
                created_at=created_at,
                reactions=reactions,
                comments=comments,
                author_reputation=reputation or 0,
                coefficients=coefficients,
                now=now,
            )
        )
    if not ids:
        return 0
    table = {"score": PostScore}
    sql = _UPSERT_SCORES.format(
        **{name: connection.ops.quote_name(model._meta.db_table) for name, model in table.items()}
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, group_ids, scores, [now] * len(ids)])
        return cursor.rowcount


def rescore_recent(*, batch_size: int | None = None) -> int:
    """Rescore every post created in the last FEED_RESCORE_HOURS, in batches of
    FEED_RESCORE_BATCH ids, each its own transaction; how many scores changed. Its cost follows
    the number of recent posts, never the number of readers."""
    batch_size = batch_size or settings.FEED_RESCORE_BATCH
    since = timezone.now() - timedelta(hours=settings.FEED_RESCORE_HOURS)
    recent = Post.objects.filter(created_at__gte=since, deleted_at__isnull=True).order_by("pk")
    changed, after = 0, 0
    coefficients = Coefficients.from_settings()
    while True:
        ids = list(recent.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return changed
        with transaction.atomic():
            changed += score_refresh(ids, coefficients=coefficients)
        after = ids[-1]


def feed_remove_post(*, post_id: int) -> int:
    """A post hidden or deleted leaves every feed: its rows, and its place in the readers'
    caches (one pipelined round trip); how many feeds held it."""
    readers = list(FeedEntry.objects.filter(post_id=post_id).values_list("user_id", flat=True))
    FeedEntry.objects.filter(post_id=post_id).delete()
    cache.cache_remove(readers, post_id=post_id)
    return len(readers)


def feed_remove_group(*, group_id: int, user_id: int | None = None) -> int:
    """A group's posts leave a reader's feed (left, removed, banned), or every feed (archived):
    the rows go, and those readers' caches are dropped, to refill from PostgreSQL; how many
    rows went."""
    entries = FeedEntry.objects.filter(group_id=group_id)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    readers = set(entries.values_list("user_id", flat=True))
    deleted, _ = entries.delete()
    cache.cache_drop(readers)
    return deleted


# A new member's feed gets the group's newest live posts.
_BACKFILL = (
    "INSERT INTO {entry} (user_id, post_id, group_id, created_at)"
    " SELECT %s, p.id, p.group_id, p.created_at FROM {post} AS p"
    " WHERE p.group_id = %s AND p.deleted_at IS NULL AND p.hidden_at IS NULL"
    " ORDER BY p.id DESC LIMIT %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING"
)


def feed_backfill(*, group_id: int, user_id: int) -> int:
    """A member who joins gets the group's FEED_JOIN_BACKFILL newest live posts in one
    statement, and a cold cache (it refills with them on the next read); how many rows."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_BACKFILL), [user_id, group_id, settings.FEED_JOIN_BACKFILL])
        added = cursor.rowcount
    cache.cache_drop([user_id])
    return added


def fanout_replan(*, post_id: int) -> list[FanoutChunk]:
    """A post restored is fanned out again, to the group's members as they are now."""
    FanoutChunk.objects.filter(post_id=post_id).delete()
    return fanout_plan(post_id=post_id)


# A reader's feed as fan-out would have made it: in each group they belong to (and that is fanned
# out), the live posts since they joined, and the FEED_JOIN_BACKFILL newest before.
_REBUILD = (
    "INSERT INTO {entry} (user_id, post_id, group_id, created_at)"
    " SELECT m.user_id, p.id, p.group_id, p.created_at FROM {membership} AS m"
    " JOIN {group} AS g ON g.id = m.group_id AND g.archived_at IS NULL AND g.member_count <= %s"
    " JOIN LATERAL ("
    "  (SELECT id, group_id, created_at FROM {post} WHERE group_id = m.group_id"
    "   AND deleted_at IS NULL AND hidden_at IS NULL AND created_at > m.created_at)"
    "  UNION"
    "  (SELECT id, group_id, created_at FROM {post} WHERE group_id = m.group_id"
    "   AND deleted_at IS NULL AND hidden_at IS NULL AND created_at <= m.created_at"
    "   ORDER BY id DESC LIMIT %s)"
    " ) AS p ON true"
    " WHERE m.user_id = %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING"
)


def feed_rebuild(*, user_id: int) -> int:
    """Rebuild one reader's feed from scratch, under a per-reader lock (a second rebuild of the
    same reader waits for the first): the rows fan-out would have written, in one transaction,
    then a cold cache that refills from them; how many rows. Running it twice gives the same."""
    from communities.models import Group

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REBUILD_LOCK, user_id])
        FeedEntry.objects.filter(user_id=user_id).delete()
        sql = _REBUILD.format(
            **{
                name: connection.ops.quote_name(model._meta.db_table)
                for name, model in {
                    "entry": FeedEntry, "membership": Membership, "post": Post, "group": Group,
                }.items()
            }
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [settings.FEED_FANOUT_MAX_MEMBERS, settings.FEED_JOIN_BACKFILL, user_id]
            )
            rows = cursor.rowcount
    cache.cache_drop([user_id])
    return rows


_REBUILD_LOCK = 0x46454544  # "FEED": the advisory lock space of feed rebuilds
