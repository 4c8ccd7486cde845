"""Fan-out on write: a post reaches exactly its group's members' feeds, in PostgreSQL and in
the warm caches, in chunks that can run twice, be lost and found again, or meet Redis down."""

import pytest

from communities.models import Membership
from communities.services import groups, membership, posts
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.redis import get_redis
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry, LargeGroupPost
from feeds.services import (
    fanout_chunk_run,
    fanout_plan,
    fanout_replan,
    fanout_sweep,
    feed_remove_post,
)
from tests.events.processes import RedisServer
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for, metrics_scrape

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.FEED_FANOUT_CHUNK = 10
    settings.EVENTS_CONSUMERS = ["feeds"]


def group_of(size: int, *, visibility: str = "public"):
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Readers", visibility=visibility)
    members = UserFactory.create_batch(size - 1)
    for user in members:
        membership.group_join(user=user, group=group)
    make_active([owner, *members])
    return group, [owner, *members]


def readers_of(post_id: int) -> set[int]:
    return set(FeedEntry.objects.filter(post_id=post_id).values_list("user_id", flat=True))


def run_all(chunks) -> int:
    return sum(fanout_chunk_run(chunk.pk) for chunk in chunks)


def test_a_post_reaches_every_member_and_nobody_else_in_chunks():
    group, members = group_of(25)
    outsider = UserFactory()
    banned = members[5]
    membership.membership_ban(actor=members[0], group=group, user_id=banned.pk)
    warm, cold = members[1], members[2]
    cache.cache_fill(warm.pk, [])  # warm, and empty
    post = posts.post_create(author=members[3], group=group, body="hello")

    chunks = fanout_plan(post_id=post.pk)

    ids = sorted(Membership.objects.filter(group=group).values_list("user_id", flat=True))
    assert len(ids) == 24  # 10 per chunk: ids 1-10, 11-20, 21-24 of them
    assert [(c.after_user_id, c.last_user_id) for c in chunks] == [
        (0, ids[9]), (ids[9], ids[19]), (ids[19], ids[23])
    ]  # fmt: skip
    assert run_all(chunks) == 23  # the author's row was written with the post
    assert readers_of(post.pk) == {m.pk for m in members} - {banned.pk}
    assert outsider.pk not in readers_of(post.pk)
    entry = FeedEntry.objects.get(user=warm, post=post)
    assert (entry.group_id, entry.created_at) == (group.pk, post.created_at)
    assert cache.cache_entries(warm.pk) == [post.pk]
    assert cache.cache_entries(cold.pk) is None  # a cold cache is not started half-full
    assert sorted(FanoutChunk.objects.values_list("entries", flat=True)) == [4, 9, 10]


def test_running_a_plan_or_a_chunk_twice_changes_nothing():
    group, members = group_of(12)
    post = posts.post_create(author=members[0], group=group, body="once")
    chunks = fanout_plan(post_id=post.pk)
    run_all(chunks)
    FanoutChunk.objects.update(done_at=None)  # as if the marks were lost

    assert [c.pk for c in fanout_plan(post_id=post.pk)] == [c.pk for c in chunks]
    assert run_all(chunks) == 0
    assert FeedEntry.objects.filter(post=post).count() == 12


@pytest.mark.parametrize("change", ["hide", "delete"])
def test_no_fan_out_for_a_hidden_or_deleted_post(change):
    group, members = group_of(3)
    post = posts.post_create(author=members[1], group=group, body="x")
    if change == "hide":
        posts.post_hide(actor=members[0], post=post)
    else:
        posts.post_delete(actor=members[1], post=post)

    assert fanout_plan(post_id=post.pk) == []
    assert readers_of(post.pk) == {members[1].pk}  # the author's, written with the post


def test_a_post_written_over_the_limit_is_never_fanned_out_whatever_the_group_becomes(settings):
    group, members = group_of(3)
    settings.FEED_FANOUT_MAX_MEMBERS = 2
    post = posts.post_create(author=members[1], group=group, body="x")

    assert LargeGroupPost.objects.filter(post=post).exists()
    assert readers_of(post.pk) == set()  # the author's feed reads it from the group too
    settings.FEED_FANOUT_MAX_MEMBERS = 3  # as if the group had shrunk to the limit
    assert fanout_plan(post_id=post.pk) == []
    within = posts.post_create(author=members[1], group=group, body="y")
    assert readers_of(within.pk) == {members[1].pk}
    settings.FEED_FANOUT_MAX_MEMBERS = 2  # as if the group had grown past it: decided already
    assert run_all(fanout_plan(post_id=within.pk)) == 2
    assert readers_of(within.pk) == {m.pk for m in members}
    assert list(LargeGroupPost.objects.values_list("post_id", flat=True)) == [post.pk]


def test_a_post_restored_over_the_limit_is_read_at_request_time_once_however_often(settings):
    group, members = group_of(3)
    post = posts.post_create(author=members[1], group=group, body="x")
    run_all(fanout_plan(post_id=post.pk))
    posts.post_hide(actor=members[0], post=post)
    feed_remove_post(post_id=post.pk)  # what the hide event does
    posts.post_restore(actor=members[0], post=post)
    settings.FEED_FANOUT_MAX_MEMBERS = 2  # as if the group had grown past the limit meanwhile

    assert fanout_replan(post_id=post.pk) == []
    assert fanout_replan(post_id=post.pk) == []  # the event applied again changes nothing

    assert list(LargeGroupPost.objects.values_list("post_id", flat=True)) == [post.pk]
    assert readers_of(post.pk) == set()
    assert not FanoutChunk.objects.filter(post=post).exists()


def test_a_chunk_hidden_meanwhile_writes_nothing():
    group, members = group_of(4)
    post = posts.post_create(author=members[1], group=group, body="x")
    chunks = fanout_plan(post_id=post.pk)
    posts.post_hide(actor=members[0], post=post)

    assert run_all(chunks) == 0
    assert readers_of(post.pk) == {members[1].pk}  # the author's; the hide event removes it


def test_the_feeds_consumer_plans_the_fan_out_of_each_new_post_and_queues_its_chunks(
    settings, django_capture_on_commit_callbacks
):
    group, members = group_of(12)
    post = posts.post_create(author=members[0], group=group, body="x")
    outbox_dispatch()
    queue = f"{settings.REDIS_KEY_PREFIX}:celery:{settings.CELERY_TASK_DEFAULT_QUEUE}"
    get_redis().delete(queue)

    with django_capture_on_commit_callbacks(execute=True):
        consumer_run("feeds", seconds=5, block_ms=0, until_idle=True)

    assert get_redis().llen(queue) == 2  # one feeds.fanout_chunk task per chunk
    get_redis().delete(queue)

    ids = sorted(Membership.objects.filter(group=group).values_list("user_id", flat=True))
    chunks = FanoutChunk.objects.filter(post=post).order_by("after_user_id")
    assert [(c.after_user_id, c.last_user_id) for c in chunks] == [(0, ids[9]), (ids[9], ids[11])]
    assert FanoutChunk.objects.exclude(post=post).count() == 0  # only post.created plans


def test_the_sweep_finds_lost_chunks(settings):
    settings.FEED_FANOUT_RETRY_SECONDS = 0
    group, members = group_of(3)
    post = posts.post_create(author=members[0], group=group, body="x")
    chunks = fanout_plan(post_id=post.pk)

    lost, repaired = fanout_sweep()

    assert (lost, repaired) == ([c.pk for c in chunks], 0)
    run_all(chunks)
    assert fanout_sweep() == ([], 0)


def test_with_redis_down_entries_are_written_and_stale_caches_are_dropped_after(settings):
    server = RedisServer().start()
    settings.REDIS_URL = server.url
    try:
        group, members = group_of(3)
        for member in members:
            cache.cache_fill(member.pk, [])
        post = posts.post_create(author=members[0], group=group, body="x")
        chunks = fanout_plan(post_id=post.pk)
        server.stop()

        assert run_all(chunks) == 2  # the truth is written whatever Redis does (and the author's)
        assert FanoutChunk.objects.filter(cache_stale=True).count() == 1
        assert fanout_sweep() == ([], 0)  # still down: nothing repaired yet

        server.start()
        assert fanout_sweep() == ([], 1)
        assert [cache.cache_entries(m.pk) for m in members] == [None, None, None]
        assert FanoutChunk.objects.filter(cache_stale=True).count() == 0
    finally:
        server.remove()


def test_a_leaver_before_the_chunk_gets_nothing():
    group, members = group_of(4)
    post = posts.post_create(author=members[0], group=group, body="x")
    chunks = fanout_plan(post_id=post.pk)
    membership.group_leave(user=members[2], group=group)

    run_all(chunks)

    assert readers_of(post.pk) == {m.pk for m in members} - {members[2].pk}
    assert Membership.objects.filter(group=group).count() == 3


def test_metrics_show_the_fan_out_backlog_and_stale_caches():
    from prometheus_client.parser import text_string_to_metric_families

    def figures() -> dict[str, float]:
        body = metrics_scrape().content.decode()
        return {
            sample.name
            + "".join(f"|{k}={v}" for k, v in sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name.startswith(("divan_feed", "divan_redis"))
        }

    group, members = group_of(12)
    post = posts.post_create(author=members[0], group=group, body="x")
    chunks = fanout_plan(post_id=post.pk)
    FanoutChunk.objects.filter(pk=chunks[0].pk).update(cache_stale=True)

    before = figures()
    assert before["divan_feed_fanout_pending_chunks"] == 2
    assert before["divan_feed_fanout_oldest_pending_age_seconds"] > 0
    assert before["divan_feed_cache_stale_chunks"] == 1
    assert before["divan_feed_fanout_entries_total"] == 0
    run_all(chunks)
    client_for(members[1]).get("/api/communities/v1/feed/")  # cold: filled
    client_for(members[1]).get("/api/communities/v1/feed/")  # from the cache
    after = figures()
    assert after["divan_feed_fanout_pending_chunks"] == 0
    assert after["divan_feed_fanout_oldest_pending_age_seconds"] == 0
    assert after["divan_feed_fanout_entries_total"] == 11  # the author's came with the post
    assert after["divan_feed_fanout_chunks_total"] == 2
    assert after["divan_feed_fanout_seconds_total"] > 0
    assert after["divan_feed_fanout_delay_seconds_count"] == 1  # once, when the last chunk ends
    assert after["divan_feed_fanout_delay_seconds_bucket|le=+Inf"] == 1
    assert after["divan_feed_reads_total|served=cold"] == 1
    assert after["divan_feed_reads_total|served=cache"] == 1
    assert after["divan_feed_cache_write_failures_total"] == 0
    assert after["divan_redis_used_memory_bytes"] > 0
