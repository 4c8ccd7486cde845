"""Personal feeds served from the Redis cache: the same pages as PostgreSQL gives, full pages
while a third of the posts are hidden, feeds longer than the cache, gaps repaired and not
served, Redis down and back, readers who come back after FEED_ACTIVE_DAYS, deactivated accounts,
and posts read at request time (not fanned out) reading the same as fanned-out ones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Post
from communities.services import groups, membership, posts, reactions
from divan.models import User
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry, FeedReader, LargeGroupPost, PostScore
from feeds.services import (
    fanout_chunk_run,
    fanout_plan,
    fanout_sweep,
    feed_rebuild,
    feeds_prune,
    score_refresh,
)
from tests.events.processes import RedisServer, free_port
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db
FEED = "/api/communities/v1/feed/"


def group_with_posts(count: int, *, members: int = 3):
    """A public group, its members (all active readers), and `count` posts by its owner, a
    few of them liked, each scored; every member's rows as fan-out writes them."""
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Readers", visibility="public")
    readers = UserFactory.create_batch(members - 1)
    for user in readers:
        membership.group_join(user=user, group=group)
    everyone = [owner, *readers]
    make_active(everyone)
    created = [posts.post_create(author=owner, group=group, body=f"{n}") for n in range(count)]
    for post in created[::7]:
        reactions.reaction_add(user=readers[0], kind="like", post=post)
    score_refresh([post.pk for post in created])
    for user in everyone:
        feed_rebuild(user_id=user.pk)  # exactly the rows fan-out writes (tests/feeds/test_rebuild)
    return group, everyone, created


def read_all(client, order: str, page_size: int) -> list[list[int]]:
    """Every page of the feed, following `next` to the end."""
    pages, url = [], f"{FEED}?order={order}&page_size={page_size}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([post["id"] for post in response.json()["results"]])
        url = response.json()["next"]
    return pages


def flat(pages: list[list[int]]) -> list[int]:
    return [post_id for page in pages for post_id in page]


def expected(post_ids, order: str) -> list[int]:
    """The feed's order, computed here: newest first, or by stored score then id."""
    if order == "recent":
        return sorted(post_ids, reverse=True)
    scores = dict(PostScore.objects.filter(post_id__in=post_ids).values_list("post_id", "score"))
    return sorted(post_ids, key=lambda pk: (scores[pk], pk), reverse=True)


def served() -> dict[str, float]:
    cache.stats_add()  # send what this process holds
    return cache.stats_read()


@pytest.mark.parametrize("order", ["top", "recent"])
def test_a_warm_cache_serves_every_page_in_the_feeds_order(order):
    _group, (_owner, reader, _other), created = group_with_posts(30)
    client = client_for(reader)
    client.get(FEED)  # the first read fills the cache

    pages = read_all(client, order, 7)

    assert [len(page) for page in pages] == [7, 7, 7, 7, 2]
    assert flat(pages) == expected([post.pk for post in created], order)
    assert served()["reads_cached"] == 5  # every page from the cache
    assert cache.cache_entries(reader.pk) == sorted((p.pk for p in created), reverse=True)


@pytest.mark.parametrize("order", ["top", "recent"])
def test_paging_500_entries_with_a_third_hidden_keeps_every_page_full(order):
    _group, (_owner, reader, _other), created = group_with_posts(500)
    client = client_for(reader)
    client.get(FEED)
    hidden = created[::3]
    Post.objects.filter(pk__in=[p.pk for p in hidden]).update(hidden_at=timezone.now())
    # their rows and cache entries stay until the hide events reach the feeds consumer

    pages = read_all(client, order, 20)

    shown = [post.pk for post in created if post not in hidden]
    assert len(shown) == 333
    assert [len(page) for page in pages] == [20] * 16 + [13]  # full while posts remain
    assert flat(pages) == expected(shown, order)  # each exactly once, none hidden
    assert served()["reads_cached"] == 17  # all from the cache, filtered as they are read
    assert FeedEntry.objects.filter(user=reader).count() == 500


def test_a_feed_longer_than_the_cache_reads_on_from_the_database(settings):
    settings.FEED_CACHE_MAX, settings.FEED_TOP_WINDOW = 10, 6
    _group, (_owner, reader, _other), created = group_with_posts(35)
    client = client_for(reader)
    client.get(FEED)
    newest = sorted((post.pk for post in created), reverse=True)

    recent = read_all(client, "recent", 4)
    top = read_all(client, "top", 4)

    assert cache.cache_entries(reader.pk) == newest[:10]  # capped, not the whole feed
    assert flat(recent) == newest  # `recent` goes on through PostgreSQL
    assert flat(top) == expected(newest[:6], "top")  # `top` ranks the newest FEED_TOP_WINDOW
    assert served()["reads_cached"] == 1 + 2  # recent's first page (of 9), top's 2 pages
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers there
    assert read_all(client, "top", 4) == top  # the same window from PostgreSQL


def test_a_cache_that_missed_a_write_is_not_served_and_is_repaired():
    group, (owner, reader, _other), _created = group_with_posts(3)
    client = client_for(reader)
    client.get(FEED)
    post = posts.post_create(author=owner, group=group, body="missed")
    chunks = fanout_plan(post_id=post.pk)
    for chunk in chunks:
        fanout_chunk_run(chunk.pk)
    cache.cache_remove([reader.pk], post_id=post.pk)  # as if Redis had not taken this write
    FanoutChunk.objects.filter(pk__in=[c.pk for c in chunks]).update(cache_stale=True)

    first = client.get(FEED, {"order": "recent"}).json()["results"]
    assert first[0]["id"] == post.pk  # read from PostgreSQL, not the gap
    assert served()["reads_fallback"] == 1

    assert fanout_sweep() == ([], 1)  # the beat's sweep drops the suspect caches
    assert cache.cache_entries(reader.pk) is None
    assert client.get(FEED, {"order": "recent"}).json()["results"][0]["id"] == post.pk
    assert cache.cache_entries(reader.pk)[0] == post.pk  # refilled from the rows


def test_redis_down_during_fan_out_and_reads_then_back(settings):
    server = RedisServer().start()
    settings.REDIS_URL = server.url
    try:
        group, members, _created = group_with_posts(5, members=6)
        clients = [client_for(user) for user in members]
        for client in clients:
            assert client.get(FEED).status_code == 200  # every cache warm
        owner = members[0]
        new = [posts.post_create(author=owner, group=group, body=f"new {n}") for n in range(3)]
        chunks = [chunk for post in new for chunk in fanout_plan(post_id=post.pk)]

        server.stop()
        for chunk in chunks:
            fanout_chunk_run(chunk.pk)
        statuses = [client.get(FEED, {"order": order}).status_code
                    for client in clients for order in ("top", "recent")]  # fmt: skip
        assert statuses == [200] * 12
        down_page = clients[1].get(FEED, {"order": "recent"}).json()["results"]
        assert [p["id"] for p in down_page[:3]] == [p.pk for p in reversed(new)]

        server.start()
        assert fanout_sweep() == ([], 3)
        for client in clients:
            assert client.get(FEED).status_code == 200
        for user in members:  # the cache converged to the database
            rows = FeedEntry.objects.filter(user=user).order_by("-post_id")
            assert cache.cache_entries(user.pk) == list(rows.values_list("post_id", flat=True))
        counted = served()
        assert counted["reads_redis_down"] == 13
        assert counted["cache_write_failures"] == 3
    finally:
        server.remove()


def test_a_reader_back_after_feed_active_days_gets_a_complete_first_page():
    group, (owner, reader, _other), created = group_with_posts(10)
    away = timezone.now() - timedelta(days=45)
    FeedReader.objects.filter(pk=reader.pk).update(read_at=away)
    later = [posts.post_create(author=owner, group=group, body=f"later {n}") for n in range(15)]
    for post in later:
        for chunk in fanout_plan(post_id=post.pk):
            fanout_chunk_run(chunk.pk)
    assert not FeedEntry.objects.filter(user=reader, post__in=later).exists()  # skipped

    response = client_for(reader).get(FEED, {"order": "recent", "page_size": 20})

    newest = sorted((p.pk for p in [*created, *later]), reverse=True)
    assert [post["id"] for post in response.json()["results"]] == newest[:20]
    assert FeedEntry.objects.filter(user=reader).count() == 25  # rebuilt before the read
    assert FeedReader.objects.get(pk=reader.pk).read_at > away
    assert 0 < cache.get_redis().ttl(cache.feed_key(reader.pk)) <= cache.ttl_seconds()


def test_reads_renew_the_expiry_and_the_readers_activity_once_a_day():
    _group, (_owner, reader, _other), _created = group_with_posts(3)
    client = client_for(reader)
    client.get(FEED)
    key, redis = cache.feed_key(reader.pk), cache.get_redis()
    yesterday = timezone.now() - timedelta(days=1, minutes=1)
    FeedReader.objects.filter(pk=reader.pk).update(read_at=yesterday)

    client.get(FEED)  # renewed less than a day ago: nothing moves
    assert FeedReader.objects.get(pk=reader.pk).read_at == yesterday

    redis.expire(key, cache.ttl_seconds() - cache.touch_seconds() - 60)
    client.get(FEED)
    assert FeedReader.objects.get(pk=reader.pk).read_at > yesterday
    assert redis.ttl(key) > cache.ttl_seconds() - 60


def test_the_feeds_of_deactivated_accounts_are_removed():
    _group, (_owner, reader, other), _created = group_with_posts(4)
    for user in (reader, other):
        client_for(user).get(FEED)
    User.objects.filter(pk=reader.pk).update(is_active=False)

    assert feeds_prune() == 1

    assert not FeedEntry.objects.filter(user=reader).exists()
    assert not FeedReader.objects.filter(pk=reader.pk).exists()  # no fan-out reaches them
    assert cache.cache_entries(reader.pk) is None
    assert FeedEntry.objects.filter(user=other).count() == 4  # the others keep theirs
    assert cache.cache_entries(other.pk) is not None
    assert feeds_prune() == 0


@pytest.mark.django_db(transaction=True)
def test_a_deleted_users_feed_goes_with_them():
    _group, (_owner, reader, other), _created = group_with_posts(2)
    for user in (reader, other):
        client_for(user).get(FEED)

    User.objects.filter(pk=reader.pk).delete()

    assert not FeedEntry.objects.filter(user_id=reader.pk).exists()
    assert cache.get_redis().exists(cache.feed_key(reader.pk)) == 0
    assert cache.cache_entries(other.pk) is not None


@pytest.mark.parametrize("order", ["top", "recent"])
def test_posts_read_at_request_time_read_the_same_as_fanned_out_ones(order):
    group, (_owner, reader, _other), created = group_with_posts(24)
    small = groups.group_create(creator=reader, name="Small", visibility="private")
    mine = [posts.post_create(author=reader, group=small, body=f"mine {n}") for n in range(5)]
    score_refresh([p.pk for p in mine])
    feed_rebuild(user_id=reader.pk)
    client = client_for(reader)
    fanned_out = read_all(client, order, 6)

    # the same posts as if written while the group was over the limit: read at request time
    LargeGroupPost.objects.bulk_create([LargeGroupPost(post=post) for post in created])
    FeedEntry.objects.filter(group=group).delete()
    cache.cache_drop([reader.pk])
    read_time = read_all(client, order, 6)
    warm = read_all(client, order, 6)

    assert fanned_out == read_time == warm
    assert sorted(flat(warm)) == sorted(p.pk for p in [*created, *mine])


@pytest.mark.parametrize("order", ["top", "recent"])
@pytest.mark.parametrize("page_size", [1, 50])
def test_with_redis_down_a_page_costs_the_same_queries_whatever_its_size(
    order, page_size, settings, django_assert_num_queries
):
    _group, (_owner, reader, _other), _created = group_with_posts(60)
    client = client_for(reader)
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers there

    with django_assert_num_queries(3):  # the token, the reader's activity, the page
        response = client.get(FEED, {"order": order, "page_size": page_size})

    assert len(response.json()["results"]) == page_size
