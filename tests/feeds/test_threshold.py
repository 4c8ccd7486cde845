"""Groups that cross FEED_FANOUT_MAX_MEMBERS (3 here), up and down and again: every post stays in
every member's feed, page by page in both orders, from the warm cache and from PostgreSQL alike.
After each change the rows are what fan-out and the join backfill write (none for a post written
while its group was over the limit: it is read from the group at request time, whatever the
group's size later), every warm cache equals its reader's rows, and rebuilds change nothing."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

from communities.models import Group, Membership, Post
from communities.services import groups, membership, posts, reactions
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry
from feeds.services import fanout_chunk_run
from tests.events.processes import free_port
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db
FEED = "/api/communities/v1/feed/"
PAGE_SIZE = 2


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.EVENTS_CONSUMERS = ["feeds"]
    settings.FEED_FANOUT_MAX_MEMBERS = 3


def process() -> None:
    """What the workers do: dispatch, the feeds consumer, the fan-out chunks it planned."""
    outbox_dispatch()
    consumer_run("feeds", seconds=10, block_ms=0, until_idle=True)
    for chunk in FanoutChunk.objects.filter(done_at__isnull=True):
        fanout_chunk_run(chunk.pk)


def read_all(client, order: str) -> list[list[int]]:
    pages, url = [], f"{FEED}?order={order}&page_size={PAGE_SIZE}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([post["id"] for post in response.json()["results"]])
        url = response.json()["next"]
    return pages


def paged(post_ids: list[int]) -> list[list[int]]:
    return [post_ids[i : i + PAGE_SIZE] for i in range(0, len(post_ids), PAGE_SIZE)] or [[]]


def reads_cached() -> float:
    cache.stats_add()  # send what this process holds
    return cache.stats_read().get("reads_cached", 0)


def assert_feed(user, *, recent: list[int], top: list[int]) -> None:
    """Every page of the user's feed, in both orders, from their warm cache (each page served
    from it) and from PostgreSQL (Redis unreachable)."""
    client = client_for(user)
    client.get(FEED)  # a cold cache is filled by this read
    assert cache.cache_entries(user.pk) is not None
    expected = {"recent": paged(recent), "top": paged(top)}
    for order, pages in expected.items():
        before = reads_cached()
        assert read_all(client, order) == pages, (user.username, order, "cache")
        assert reads_cached() - before == (len(pages) if recent else 0)
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):  # nobody answers
        for order, pages in expected.items():
            assert read_all(client, order) == pages, (user.username, order, "postgres")


def fanned_out_rows(read_time: set[int]) -> set[tuple[int, int]]:
    """(reader, post) as fan-out and the join backfill write them: for every member of a live
    group, its live posts but those written while it was over the limit, since they joined and
    the FEED_JOIN_BACKFILL newest before."""
    live = Post.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True).exclude(
        pk__in=read_time
    )
    rows = set()
    for m in Membership.objects.filter(group__archived_at__isnull=True):
        of_group = live.filter(group_id=m.group_id)
        before = of_group.filter(created_at__lte=m.created_at).order_by("-id")
        after = of_group.filter(created_at__gt=m.created_at)
        backfill = before.values_list("pk", flat=True)[: django_settings.FEED_JOIN_BACKFILL]
        rows |= {(m.user_id, pk) for pk in [*backfill, *after.values_list("pk", flat=True)]}
    return rows


def assert_consistent(users, read_time: set[int]) -> None:
    rows = set(FeedEntry.objects.values_list("user_id", "post_id"))
    assert rows == fanned_out_rows(read_time)
    for user in users:
        cached = cache.cache_entries(user.pk)
        if cached is not None:  # a warm cache holds exactly its reader's rows
            assert set(cached) == {post for reader, post in rows if reader == user.pk}


def member_count(group) -> int:
    return Group.objects.get(pk=group.pk).member_count


def test_a_post_read_at_request_time_stays_when_the_group_shrinks_to_the_limit():
    """The finding: a 4-member group's post is served at read time; one member leaves."""
    owner, alice, bob, carol = users = UserFactory.create_batch(4)
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    for user in (alice, bob, carol):
        membership.group_join(user=user, group=lounge)
    process()
    post = posts.post_create(author=owner, group=lounge, body="while large")
    process()
    for user in users:
        assert_feed(user, recent=[post.pk], top=[post.pk])

    membership.group_leave(user=carol, group=lounge)
    process()

    assert member_count(lounge) == 3
    for user in (owner, alice, bob):
        assert_feed(user, recent=[post.pk], top=[post.pk])
    assert_feed(carol, recent=[], top=[])
    assert_consistent(users, read_time={post.pk})


def test_crossing_the_limit_up_and_down_again_keeps_every_post_in_every_feed(settings):
    settings.FEED_JOIN_BACKFILL = 1  # the newest post fanned out; those read at request time all
    owner, alice, bob, carol, dave = users = UserFactory.create_batch(5)
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    for user in (alice, bob):
        membership.group_join(user=user, group=lounge)
    p1 = posts.post_create(author=owner, group=lounge, body="1: fanned out")
    for user in (alice, bob):  # two likes rank p1 first in `top`, hours ahead of the others
        reactions.reaction_add(user=user, kind="like", post=p1)
    process()
    assert member_count(lounge) == 3
    for user in (owner, alice, bob):
        assert_feed(user, recent=[p1.pk], top=[p1.pk])
    assert_consistent(users, read_time=set())

    # up: carol makes 4; p1 keeps its rows, p2 is read at request time, neither twice
    membership.group_join(user=carol, group=lounge)
    process()
    p2 = posts.post_create(author=alice, group=lounge, body="2: read at request time")
    process()
    assert member_count(lounge) == 4
    for user in (owner, alice, bob, carol):
        assert_feed(user, recent=[p2.pk, p1.pk], top=[p1.pk, p2.pk])
    assert_consistent(users, read_time={p2.pk})

    # down: carol leaves; p2 stays, p3 is fanned out
    membership.group_leave(user=carol, group=lounge)
    process()
    p3 = posts.post_create(author=bob, group=lounge, body="3: fanned out")
    process()
    assert member_count(lounge) == 3
    for user in (owner, alice, bob):
        assert_feed(user, recent=[p3.pk, p2.pk, p1.pk], top=[p1.pk, p3.pk, p2.pk])
    assert_feed(carol, recent=[], top=[])
    assert_consistent(users, read_time={p2.pk})

    # up again: carol comes back and dave joins (their backfill: p3; p2 and p4 are read)
    membership.group_join(user=carol, group=lounge)
    membership.group_join(user=dave, group=lounge)
    process()
    p4 = posts.post_create(author=carol, group=lounge, body="4: read at request time")
    process()
    assert member_count(lounge) == 5
    for user in (owner, alice, bob):
        assert_feed(user, recent=[p4.pk, p3.pk, p2.pk, p1.pk], top=[p1.pk, p4.pk, p3.pk, p2.pk])
    for user in (carol, dave):
        assert_feed(user, recent=[p4.pk, p3.pk, p2.pk], top=[p4.pk, p3.pk, p2.pk])
    assert_consistent(users, read_time={p2.pk, p4.pk})

    # down again, by a removal and a ban
    membership.membership_remove(actor=owner, group=lounge, user_id=dave.pk)
    membership.membership_ban(actor=owner, group=lounge, user_id=carol.pk)
    process()
    p5 = posts.post_create(author=alice, group=lounge, body="5: fanned out")
    process()
    assert member_count(lounge) == 3
    everything = [p5.pk, p4.pk, p3.pk, p2.pk, p1.pk]
    for user in (owner, alice, bob):
        assert_feed(user, recent=everything, top=[p1.pk, p5.pk, p4.pk, p3.pk, p2.pk])
    for user in (carol, dave):
        assert_feed(user, recent=[], top=[])
    assert_consistent(users, read_time={p2.pk, p4.pk})

    # hidden and restored on this side of the limit: each comes back the way it was served
    posts.post_hide(actor=owner, post=p3)
    posts.post_hide(actor=owner, post=p4)
    process()
    for user in (owner, alice, bob):
        assert_feed(user, recent=[p5.pk, p2.pk, p1.pk], top=[p1.pk, p5.pk, p2.pk])
    assert_consistent(users, read_time={p2.pk, p4.pk})
    posts.post_restore(actor=owner, post=p3)
    posts.post_restore(actor=owner, post=p4)
    process()
    for user in (owner, alice, bob):
        assert_feed(user, recent=everything, top=[p1.pk, p5.pk, p4.pk, p3.pk, p2.pk])
    assert_consistent(users, read_time={p2.pk, p4.pk})


def test_rebuilds_write_what_fan_out_wrote_on_either_side_of_the_limit():
    owner, alice, bob, carol = users = UserFactory.create_batch(4)
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    for user in (alice, bob):
        membership.group_join(user=user, group=lounge)
    small = posts.post_create(author=owner, group=lounge, body="fanned out")
    process()
    membership.group_join(user=carol, group=lounge)
    process()
    large = posts.post_create(author=alice, group=lounge, body="read at request time")
    process()
    before = set(FeedEntry.objects.values_list("user_id", "post_id"))
    assert before == fanned_out_rows({large.pk})

    def rebuild_all() -> None:
        for user in users:
            response = client_for(user).post("/api/communities/v1/feed/rebuild/")
            assert response.status_code == 200
        assert set(FeedEntry.objects.values_list("user_id", "post_id")) == before
        call_command("rebuild_feeds", "--all", stdout=StringIO())
        assert set(FeedEntry.objects.values_list("user_id", "post_id")) == before
        for user in (owner, alice, bob):
            assert_feed(user, recent=[large.pk, small.pk], top=[large.pk, small.pk])

    assert member_count(lounge) == 4
    rebuild_all()
    membership.group_leave(user=carol, group=lounge)
    process()
    before -= {(carol.pk, small.pk)}
    assert member_count(lounge) == 3
    rebuild_all()


def test_top_ranks_the_newest_window_of_rows_and_of_read_time_posts_across_the_limit(settings):
    settings.FEED_TOP_WINDOW = 2
    owner, alice, bob, carol = users = UserFactory.create_batch(4)
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    for user in (alice, bob):
        membership.group_join(user=user, group=lounge)
    fanned = [posts.post_create(author=owner, group=lounge, body=f"small {n}") for n in range(3)]
    process()
    membership.group_join(user=carol, group=lounge)
    process()
    read = [posts.post_create(author=owner, group=lounge, body=f"large {n}") for n in range(3)]
    process()
    newest_first = [p.pk for p in reversed([*fanned, *read])]
    # the newest 2 of the rows (fanned[2], fanned[1]) and of the read posts (read[2], read[1])
    window = [read[2].pk, read[1].pk, fanned[2].pk, fanned[1].pk]

    assert_feed(owner, recent=newest_first, top=window)
    membership.group_leave(user=carol, group=lounge)
    process()
    assert_feed(owner, recent=newest_first, top=window)
    assert_consistent(users, read_time={p.pk for p in read})


def test_a_post_restored_over_the_limit_is_read_at_request_time_from_then_on():
    owner, alice, bob, carol = users = UserFactory.create_batch(4)
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    for user in (alice, bob):
        membership.group_join(user=user, group=lounge)
    process()
    post = posts.post_create(author=owner, group=lounge, body="fanned out, then hidden")
    process()
    posts.post_hide(actor=owner, post=post)
    membership.group_join(user=carol, group=lounge)
    process()

    posts.post_restore(actor=owner, post=post)
    process()

    assert member_count(lounge) == 4
    for user in users:  # carol too, who joined while it was hidden
        assert_feed(user, recent=[post.pk], top=[post.pk])
    assert_consistent(users, read_time={post.pk})
    membership.group_leave(user=carol, group=lounge)
    process()
    for user in (owner, alice, bob):
        assert_feed(user, recent=[post.pk], top=[post.pk])
    assert_consistent(users, read_time={post.pk})
