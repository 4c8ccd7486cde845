"""Blocks in feeds: a blocker's feed (recent and top, from a cold and a warm cache, and from
PostgreSQL) and a group's feed leave out the blocked person's posts from the next read, and take
them back on unblocking, with no write to the rows or the cache; a mute leaves everything in;
the blocked person's and a third person's feeds do not change; a page costs the same queries."""

import pytest

from communities.models import Block, BlockKind
from communities.services import groups, membership, posts, reactions
from feeds import cache
from feeds.models import FeedEntry, PostScore
from feeds.services import feed_rebuild, score_refresh
from tests.events.processes import free_port
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db
FEED = "/api/communities/v1/feed/"
ORDERS = ["top", "recent"]


def scene(count: int = 24, *, every: int = 3):
    """A public group: the blocker, the blocked person and a third member, active readers with
    every row fan-out writes; `count` posts, one in `every` by the blocked person and the rest
    by the third, some liked (so `top` and `recent` differ), each scored."""
    blocker, blocked, third = (UserFactory(username=n) for n in ("blocker", "blocked", "third"))
    group = groups.group_create(creator=third, name="Readers", visibility="public")
    for user in (blocker, blocked):
        membership.group_join(user=user, group=group)
    make_active([blocker, blocked, third])
    created = [
        posts.post_create(
            author=blocked if n % every == 0 else third, group=group, body=f"post {n}"
        )
        for n in range(count)
    ]
    for post in created[1::4]:
        reactions.reaction_add(user=blocker, kind="like", post=post)
    score_refresh([post.pk for post in created])
    for user in (blocker, blocked, third):
        feed_rebuild(user_id=user.pk)
    return group, (blocker, blocked, third), created


def expected(post_ids, order: str) -> list[int]:
    if order == "recent":
        return sorted(post_ids, reverse=True)
    scores = dict(PostScore.objects.filter(post_id__in=post_ids).values_list("post_id", "score"))
    return sorted(post_ids, key=lambda pk: (scores[pk], pk), reverse=True)


def read_all(client, url: str, order: str, page_size: int) -> list[list[int]]:
    pages, url = [], f"{url}?order={order}&page_size={page_size}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([post["id"] for post in response.json()["results"]])
        url = response.json()["next"]
    return pages


def flat(pages) -> list[int]:
    return [post_id for page in pages for post_id in page]


def served() -> dict[str, float]:
    cache.stats_add()
    return cache.stats_read()


def by(created, author) -> list[int]:
    return [post.pk for post in created if post.author_id == author.pk]


def block(user, target, kind=BlockKind.BLOCK) -> None:
    Block.objects.update_or_create(user=user, target=target, defaults={"kind": kind})


@pytest.mark.parametrize("order", ORDERS)
def test_a_block_empties_a_warm_cache_of_the_blocked_posts_and_an_unblock_brings_them_back(order):
    _group, (blocker, blocked, _third), created = scene()
    client = client_for(blocker)
    everything = expected([post.pk for post in created], order)
    assert flat(read_all(client, FEED, order, 5)) == everything  # cold: fills the set
    entries = cache.cache_entries(blocker.pk)
    rows = FeedEntry.objects.filter(user=blocker).count()

    block(blocker, blocked)
    pages = read_all(client, FEED, order, 5)

    kept = [pk for pk in everything if pk not in by(created, blocked)]
    assert len(kept) == 16
    assert flat(pages) == kept  # each once, in the feed's order, none of the blocked person's
    assert [len(page) for page in pages] == [5, 5, 5, 1]  # full while posts remain
    assert cache.cache_entries(blocker.pk) == entries  # nothing written: filtered as it is read
    assert FeedEntry.objects.filter(user=blocker).count() == rows == 24

    Block.objects.filter(user=blocker, target=blocked).delete()
    assert flat(read_all(client, FEED, order, 5)) == everything
    stats = served()  # every page of the three reads from the set, the first filling it
    assert (stats["reads_cold"], stats["reads_cached"], stats.get("reads_fallback", 0)) == (
        1, 4 + 4 + 5, 0
    )  # fmt: skip


@pytest.mark.parametrize("order", ORDERS)
def test_a_cold_cache_and_postgresql_give_the_blockers_feed_the_same(order, settings):
    _group, (blocker, blocked, _third), created = scene()
    block(blocker, blocked)
    client = client_for(blocker)
    kept = expected([pk for pk in (p.pk for p in created) if pk not in by(created, blocked)], order)

    assert flat(read_all(client, FEED, order, 4)) == kept  # the first read fills the set
    cache.cache_drop([blocker.pk])
    assert flat(read_all(client, FEED, order, 4)) == kept
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers: PostgreSQL
    assert flat(read_all(client, FEED, order, 4)) == kept


def test_a_set_whose_newest_posts_are_all_blocked_reads_on_from_postgresql():
    # the blocked person wrote the newest twelve: a `recent` page's candidates from the set
    # (twice its size and one) are all theirs, so PostgreSQL answers it
    group, (blocker, blocked, third), created = scene(6, every=100)
    tail = [posts.post_create(author=blocked, group=group, body=f"late {n}") for n in range(12)]
    score_refresh([post.pk for post in tail])
    feed_rebuild(user_id=blocker.pk)
    client = client_for(blocker)
    client.get(FEED)  # fills the set
    block(blocker, blocked)

    pages = read_all(client, FEED, "recent", 2)

    assert pages == [by(created, third)[::-1][n : n + 2] for n in (0, 2, 4)]
    assert served()["reads_fallback"] == 1  # the first page; the next ones reach the third's
    assert flat(read_all(client, FEED, "top", 2)) == expected(by(created, third), "top")


@pytest.mark.parametrize("kind", [BlockKind.MUTE, None], ids=["muted", "no-block"])
@pytest.mark.parametrize("order", ORDERS)
def test_a_mute_leaves_the_feed_as_it_is(order, kind):
    _group, (blocker, blocked, _third), created = scene()
    if kind is not None:
        block(blocker, blocked, kind)

    pages = read_all(client_for(blocker), FEED, order, 5)

    assert flat(pages) == expected([post.pk for post in created], order)


def bodies(client, url: str, order: str, page_size: int) -> list[dict]:
    """Every page of a feed as the API renders it: each post whole, counts included."""
    pages, url = [], f"{url}?order={order}&page_size={page_size}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = response.json()["next"]
    return pages


@pytest.mark.parametrize("order", ORDERS)
def test_the_blocked_persons_and_a_third_persons_feeds_do_not_change(order):
    group, (blocker, blocked, third), _created = scene()
    own = posts.post_create(author=blocker, group=group, body="by the blocker")
    score_refresh([own.pk])
    for user in (blocked, third):
        feed_rebuild(user_id=user.pk)
    before = {user.pk: bodies(client_for(user), FEED, order, 5) for user in (blocked, third)}
    assert own.pk in [post["id"] for page in before[blocked.pk] for post in page["results"]]

    block(blocker, blocked)

    for user in (blocked, third):  # warm, then cold: every post whole, counts included
        assert bodies(client_for(user), FEED, order, 5) == before[user.pk]
        cache.cache_drop([user.pk])
        assert bodies(client_for(user), FEED, order, 5) == before[user.pk]


@pytest.mark.parametrize("order", ORDERS)
def test_a_groups_feed_leaves_out_the_blocked_persons_posts_for_the_blocker_only(order):
    group, (blocker, blocked, third), created = scene()
    url = f"/api/communities/v1/groups/{group.pk}/feed/"
    everything = expected([post.pk for post in created], order)

    block(blocker, blocked)

    kept = [pk for pk in everything if pk not in by(created, blocked)]
    assert flat(read_all(client_for(blocker), url, order, 5)) == kept
    assert flat(read_all(client_for(third), url, order, 5)) == everything
    assert flat(read_all(client_for(blocked), url, order, 5)) == everything
    assert flat(read_all(client_for(), url, order, 5)) == everything  # signed out

    Block.objects.filter(user=blocker).delete()
    assert flat(read_all(client_for(blocker), url, order, 5)) == everything


@pytest.mark.parametrize("order", ORDERS)
def test_a_blockers_page_costs_the_same_queries(order, django_assert_num_queries):
    group, (blocker, blocked, _third), _created = scene()
    block(blocker, blocked)
    client = client_for(blocker)
    query = {"order": order, "page_size": 5}

    with django_assert_num_queries(5):  # cold: the token, active (locked), unlocked, ids, page
        assert client.get(FEED, query).status_code == 200
    with django_assert_num_queries(1):  # warm: the page
        assert len(client.get(FEED, query).json()["results"]) == 5
    with django_assert_num_queries(2):  # the group with the viewer's standing, the page
        response = client.get(f"/api/communities/v1/groups/{group.pk}/feed/", query)
        assert len(response.json()["results"]) == 5
