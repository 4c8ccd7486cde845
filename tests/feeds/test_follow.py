"""Feeds follow membership and moderation through events: after each of join, leave, removal,
ban, hide, restore, a visibility change, delete and archive, the feed rows equal what a rebuild
from scratch produces (every member, every live post of their groups), and every warm cache
equals its reader's rows."""

import pytest

from communities.models import Membership, Post
from communities.services import groups, membership, posts
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry
from feeds.services import fanout_chunk_run
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _feeds_only(settings):
    settings.EVENTS_CONSUMERS = ["feeds"]


def process() -> None:
    """What the workers do: dispatch, the feeds consumer, the fan-out chunks it planned."""
    outbox_dispatch()
    consumer_run("feeds", seconds=10, block_ms=0, until_idle=True)
    for chunk in FanoutChunk.objects.filter(done_at__isnull=True):
        fanout_chunk_run(chunk.pk)


def rebuilt() -> set[tuple[int, int]]:
    """(reader, post) for every member and every live post of their live groups."""
    live = Post.objects.filter(
        deleted_at__isnull=True, hidden_at__isnull=True, group__archived_at__isnull=True
    )
    return {
        (m.user_id, p.pk)
        for m in Membership.objects.filter(group__archived_at__isnull=True)
        for p in live.filter(group_id=m.group_id)
    }


def assert_consistent(users) -> None:
    rows = set(FeedEntry.objects.values_list("user_id", "post_id"))
    assert rows == rebuilt()
    for user in users:
        cached = cache.cache_entries(user.pk)
        if cached is not None:  # a warm cache holds exactly its reader's rows
            assert set(cached) == {post for reader, post in rows if reader == user.pk}


def test_feeds_follow_every_change():
    owner, alice, bob, carol = UserFactory.create_batch(4)
    users = [owner, alice, bob, carol]
    make_active(users)
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    other = groups.group_create(creator=owner, name="Other", visibility="public")
    for user in (alice, bob):
        membership.group_join(user=user, group=lounge)
    first = posts.post_create(author=alice, group=lounge, body="first")
    elsewhere = posts.post_create(author=owner, group=other, body="elsewhere")
    process()
    assert_consistent(users)
    assert (carol.pk, first.pk) not in set(FeedEntry.objects.values_list("user_id", "post_id"))

    for user in users:  # every cache warm from here on
        cache.cache_fill(
            user.pk, FeedEntry.objects.filter(user=user).values_list("post_id", flat=True)
        )
    second = posts.post_create(author=bob, group=lounge, body="second")
    process()
    assert_consistent(users)
    assert set(cache.cache_entries(alice.pk)) == {first.pk, second.pk}

    membership.group_join(user=carol, group=lounge)  # backfilled with the lounge's posts
    process()
    assert_consistent(users)

    membership.group_leave(user=alice, group=lounge)
    membership.membership_remove(actor=owner, group=lounge, user_id=carol.pk)
    process()
    assert_consistent(users)

    membership.membership_ban(actor=owner, group=lounge, user_id=bob.pk)
    process()
    assert_consistent(users)
    assert not FeedEntry.objects.filter(user=bob, group=lounge).exists()

    membership.membership_unban(actor=owner, group=lounge, user_id=bob.pk)
    membership.group_join(user=bob, group=lounge)
    posts.post_hide(actor=owner, post=first)
    process()
    assert_consistent(users)
    assert not FeedEntry.objects.filter(post=first).exists()

    posts.post_restore(actor=owner, post=first)
    process()
    assert_consistent(users)
    assert FeedEntry.objects.filter(post=first).count() == 2  # owner and bob, as they are now

    groups.group_update(actor=owner, group=lounge, visibility="secret")
    process()
    assert_consistent(users)
    for user in (alice, carol):  # they left or were removed: nothing of the lounge reaches them
        page = client_for(user).get("/api/communities/v1/feed/").json()["results"]
        assert lounge.pk not in {post["group"] for post in page}

    posts.post_delete(actor=bob, post=second)
    groups.group_archive(actor=owner, group=other)
    process()
    assert_consistent(users)
    assert not FeedEntry.objects.filter(post=elsewhere).exists()
