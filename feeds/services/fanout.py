"""Fan-out on write: a post reaches its group's members' feeds in bounded chunks.

`fanout_plan` (run by the feeds consumer on post.created, in the transaction of its dedup
record) splits the group's members, by user id, into chunks of FEED_FANOUT_CHUNK and records
them; each chunk is then one Celery task, `fanout_chunk_run`: one set-based INSERT ... SELECT
... ON CONFLICT DO NOTHING of the feed rows of its active members (those who read their feed
within FEED_ACTIVE_DAYS; the others' feeds are rebuilt when they come back), committed, then
one pipelined round trip adding the post to the warm caches of the readers it reached, then the
chunk is marked done. Running a chunk twice changes nothing. A chunk whose task was lost (a
killed worker, Redis down) is found by `fanout_sweep` and queued again. A post written while its
group has more than FEED_FANOUT_MAX_MEMBERS members is not fanned out: `feed_add_own`, in the
transaction that creates it (an effect of its post.created event, so communities never calls
feeds), records it as a LargeGroupPost, and its members' feeds read it from the group at request
time (one write per post, not a million), whatever the group's size later. Otherwise the
author's own row is written there, in the request.

Cache writes that fail (Redis down) leave the chunk `cache_stale` (counted): once Redis answers
again, the sweep drops the caches of that chunk's readers, which refill from PostgreSQL on their
next read; until then, reads of those readers go to PostgreSQL (feeds.selectors). A gap between
cache and database is repaired, never served.
"""

import itertools
import logging
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from communities.models import Membership, Post
from communities.rules import LIVE_GROUP, LIVE_POST
from divan.sql import execute, fetch_all
from feeds import cache, queries
from feeds.models import CacheRepair, FanoutChunk, FeedEntry, LargeGroupPost

logger = logging.getLogger(__name__)


def active_since():
    """Readers who opened their feed since then are active: fan-out writes to them."""
    return timezone.now() - timedelta(days=settings.FEED_ACTIVE_DAYS)


def fanout_plan(*, post_id: int) -> list[FanoutChunk]:
    """Record the chunks that take a live post to its group's members, once (a second plan of
    the same post finds them); the chunks, to be run. None for a post read at request time."""
    post = (
        Post.objects.select_related("group")
        .annotate(read_at_request=Exists(LargeGroupPost.objects.filter(post_id=OuterRef("pk"))))
        .filter(pk=post_id)
        .first()
    )
    if post is None or not (LIVE_POST.holds(post) and LIVE_GROUP.holds(post.group)):
        return []
    if post.read_at_request:
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


def fanout_chunk_run(chunk_id: int) -> int:
    """Write one chunk's feed rows, then add the post to the warm caches of the readers it
    reached, then mark it done; how many rows it wrote (0 when they were written already, or
    another worker holds the chunk).

    The rows commit first, the cache is written after: a reader's fill that read the database
    before the commit finds the post added to its set, one that read after has the row (see
    feeds/cache.py). Killed between the two, the chunk is still pending; run again (the sweep
    finds it), it adds the post to the caches of the readers whose rows it wrote."""
    started = time.monotonic()
    with transaction.atomic():
        chunk = (
            FanoutChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("post")
            .filter(pk=chunk_id, done_at__isnull=True)
            .first()
        )
        if chunk is None:
            return 0
        if chunk.written_at is None:
            rows = fetch_all(
                queries.FANOUT_INSERT_ENTRIES,
                [active_since(), chunk.post_id, chunk.after_user_id, chunk.last_user_id],
            )
            readers = [user_id for (user_id,) in rows]
            written = len(readers)
            chunk.written_at, chunk.entries = timezone.now(), written
            chunk.save(update_fields=["written_at", "entries"])
        else:
            written = 0
            readers = list(
                FeedEntry.objects.filter(
                    post_id=chunk.post_id,
                    user_id__gt=chunk.after_user_id,
                    user_id__lte=chunk.last_user_id,
                ).values_list("user_id", flat=True)
            )
    if chunk.after_user_id < (chunk.post.author_id or 0) <= chunk.last_user_id:
        readers.append(chunk.post.author_id)  # its row came first (feed_add_own), its cache too
    try:
        cache.cache_add(readers, post_id=chunk.post_id)
        stale = False
    except redis.RedisError as error:
        stale = True  # the sweep drops these readers' caches once Redis answers
        logger.warning("feeds: cache not written for %s (%s); repaired later", chunk, error)
    marked = FanoutChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).update(
        done_at=timezone.now(), cache_stale=stale
    )
    if marked:  # counted once, by the run that finished it
        _count_chunk(chunk, seconds=time.monotonic() - started, stale=stale)
    return written


# The delay from a post to its last reader's feed, in seconds: the histogram's upper bounds.
DELAY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def _count_chunk(chunk: FanoutChunk, *, seconds: float, stale: bool) -> None:
    """Counters of a chunk done; when it was its post's last, the delay from the post's
    creation to now, the moment its last reader's feed has it."""
    fields = {
        "fanout_chunks": 1,
        "fanout_entries": chunk.entries,
        "fanout_seconds": seconds,
        "cache_write_failures": int(stale),
    }
    if not FanoutChunk.objects.filter(post_id=chunk.post_id, done_at__isnull=True).exists():
        created_at = Post.objects.filter(pk=chunk.post_id).values_list("created_at", flat=True)
        delay = max((timezone.now() - created_at[0]).total_seconds(), 0.0) if created_at else 0
        fields.update({"delay_count": 1, "delay_seconds": delay})
        fields.update({f"delay_le:{bound}": 1 for bound in DELAY_BUCKETS if delay <= bound})
    cache.stats_add(**fields)


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
    repairs = list(
        CacheRepair.objects.order_by("created_at").values_list("user_id", "created_at")[:1000]
    )
    if repairs:
        try:
            cache.cache_drop([user_id for user_id, _ in repairs])
        except redis.RedisError:
            return lost, repaired
        for user_id, created_at in repairs:  # not one recorded again meanwhile
            CacheRepair.objects.filter(user_id=user_id, created_at=created_at).delete()
        repaired += len(repairs)
    return lost, repaired


def drop_or_repair(user_ids) -> None:
    """Drop these readers' cached sets; when Redis does not answer, record them for repair:
    their reads go to PostgreSQL, and the sweep drops their sets once Redis answers."""
    user_ids = list(user_ids)
    if not user_ids:
        return
    try:
        cache.cache_drop(user_ids)
    except redis.RedisError:
        cache.count_later("cache_write_failures")
        CacheRepair.objects.bulk_create(
            [CacheRepair(user_id=user_id) for user_id in user_ids],
            update_conflicts=True, unique_fields=["user"], update_fields=["created_at"],
        )  # fmt: skip


def _drop_now_and_after_commit(user_ids) -> None:
    """In an event's transaction: drop the sets now (Redis down: the transaction fails and the
    event is applied again) and once it commits (a fill that read the rows in between would
    keep them as they were)."""
    user_ids = list(user_ids)
    if user_ids:
        cache.cache_drop(user_ids)
        transaction.on_commit(lambda: drop_or_repair(user_ids))


def feed_remove_post(*, post_id: int) -> int:
    """A post hidden or deleted leaves every feed: its rows, and its place in the readers'
    caches (one pipelined round trip); how many feeds held it."""
    readers = list(FeedEntry.objects.filter(post_id=post_id).values_list("user_id", flat=True))
    FeedEntry.objects.filter(post_id=post_id).delete()
    cache.cache_remove(readers, post_id=post_id)  # before the commit: else the event comes again
    # and after it: a fill that read the rows meanwhile put it back (reads hide it anyway)
    transaction.on_commit(lambda: _remove_after_commit(readers, post_id))
    return len(readers)


def _remove_after_commit(readers: list[int], post_id: int) -> None:
    try:
        cache.cache_remove(readers, post_id=post_id)
    except redis.RedisError:
        logger.warning("feeds: post %s left in caches; reads hide it", post_id)


def feed_remove_group(*, group_id: int, user_id: int | None = None) -> int:
    """A group's posts leave a reader's feed (left, removed, banned), or every feed (archived):
    the rows go, and those readers' caches are dropped, to refill from PostgreSQL; how many
    rows went."""
    entries = FeedEntry.objects.filter(group_id=group_id)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    readers = set(entries.values_list("user_id", flat=True))
    deleted, _ = entries.delete()
    _drop_now_and_after_commit(readers)
    return deleted


def feed_backfill(*, group_id: int, user_id: int) -> int:
    """A member who joins gets the group's FEED_JOIN_BACKFILL newest live posts that were fanned
    out, in one statement (those read at request time reach them anyway), and a cold cache (it
    refills with them on the next read); how many rows."""
    added = execute(queries.FEED_BACKFILL, [user_id, group_id, settings.FEED_JOIN_BACKFILL])
    _drop_now_and_after_commit([user_id])
    return added


def feed_add_own(payload: dict) -> None:
    """In the transaction that creates a post (an effect of its post.created event, registered
    by feeds.apps), decide how it is served, in one statement: in a group over
    FEED_FANOUT_MAX_MEMBERS, it is recorded as read at request time (a LargeGroupPost: every
    member's feed reads it from the group, the author's too); else its row in its author's feed,
    and the cache once it commits. A cache write that fails is counted, and the post's fan-out
    writes it again (its chunk that holds the author adds the post to the author's cache)."""
    post_id, group_id, author_id = payload["post_id"], payload["group_id"], payload["author_id"]
    ((large,),) = fetch_all(
        queries.FEED_ADD_OWN,
        [settings.FEED_FANOUT_MAX_MEMBERS, group_id, post_id, author_id, post_id],
    )
    if large:
        return

    def add_to_cache() -> None:
        try:
            cache.cache_add([author_id], post_id=post_id)
        except redis.RedisError:
            cache.count_later("cache_write_failures")

    transaction.on_commit(add_to_cache)


def fanout_purge(*, older_than: timedelta | None = None) -> int:
    """Delete the records of chunks done more than FEED_FANOUT_KEEP_HOURS ago; how many."""
    older_than = older_than or timedelta(hours=settings.FEED_FANOUT_KEEP_HOURS)
    deleted, _ = FanoutChunk.objects.filter(
        done_at__lt=timezone.now() - older_than, cache_stale=False
    ).delete()
    return deleted


def fanout_replan(*, post_id: int) -> list[FanoutChunk]:
    """A post restored is fanned out again, to the group's members as they are now; or, when
    its group is over FEED_FANOUT_MAX_MEMBERS now, it is read at request time from here on (its
    rows went when it was hidden). A post read at request time stays so."""
    FanoutChunk.objects.filter(post_id=post_id).delete()
    large = Post.objects.filter(
        pk=post_id, group__member_count__gt=settings.FEED_FANOUT_MAX_MEMBERS
    )
    if large.exists():
        LargeGroupPost.objects.bulk_create([LargeGroupPost(post_id=post_id)], ignore_conflicts=True)
        return []
    return fanout_plan(post_id=post_id)
