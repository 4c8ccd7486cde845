"""Rebuilds produce exactly the rows fan-out produced, by the API, the command and the admin."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from communities.services import comments, groups, membership, posts, reactions
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry, PostScore
from feeds.services import fanout_chunk_run, score_refresh
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db
REBUILD = "/api/communities/v1/feed/rebuild/"
FEED = "/api/communities/v1/feed/"


@pytest.fixture(autouse=True)
def _feeds_only(settings):
    settings.EVENTS_CONSUMERS = ["feeds"]
    settings.FEED_JOIN_BACKFILL = 2


def process() -> None:
    outbox_dispatch()
    consumer_run("feeds", seconds=10, block_ms=0, until_idle=True)
    for chunk in FanoutChunk.objects.filter(done_at__isnull=True):
        fanout_chunk_run(chunk.pk)


def rows(user=None) -> set[tuple[int, int]]:
    entries = FeedEntry.objects.all() if user is None else FeedEntry.objects.filter(user=user)
    return set(entries.values_list("user_id", "post_id"))


@pytest.fixture
def history():
    """Posts before and after joins, a hidden one, a leave and a second group: what fan-out and
    the join backfill wrote."""
    owner, alice, bob = UserFactory.create_batch(3)
    make_active([owner, alice, bob])
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    club = groups.group_create(creator=owner, name="Club", visibility="private")
    for n in range(4):
        posts.post_create(author=owner, group=lounge, body=f"before {n}")
    process()
    membership.group_join(user=alice, group=lounge)  # backfilled with the 2 newest
    membership.group_join(user=bob, group=lounge)
    process()
    hidden = posts.post_create(author=owner, group=lounge, body="hidden")
    for n in range(3):
        posts.post_create(author=alice, group=lounge, body=f"after {n}")
    posts.post_create(author=owner, group=club, body="club")
    process()
    posts.post_hide(actor=owner, post=hidden)
    membership.group_leave(user=bob, group=lounge)
    process()
    return owner, alice, bob


def test_a_rebuild_writes_exactly_what_fan_out_wrote(history):
    before = rows()
    assert before  # fan-out wrote something for each of them but bob, who left
    FeedEntry.objects.all().delete()

    for user in history:
        cache.cache_fill(user.pk, [])
        response = client_for(user).post(REBUILD)
        assert response.status_code == 200
        assert response.json() == {"entries": len(rows(user))}
        assert cache.cache_entries(user.pk) is None  # refills from the rebuilt rows

    assert rows() == before


def test_the_command_rebuilds_one_user_or_all_with_progress(history):
    before = rows()
    FeedEntry.objects.all().delete()
    out = StringIO()

    call_command("rebuild_feeds", "--user", str(history[1].pk), stdout=out)
    assert rows() == rows(history[1]) == {e for e in before if e[0] == history[1].pk}
    call_command("rebuild_feeds", "--all", stdout=out)
    assert rows() == before
    assert "rebuilt 3/3 feeds (100%)" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("rebuild_feeds", "--user", "0")


def test_the_admin_action_rebuilds_the_selected_users(history, admin_client):
    owner, alice, _bob = history
    before = rows()
    FeedEntry.objects.all().delete()

    response = admin_client.post(
        "/admin/divan/user/",
        {"action": "rebuild_feeds", "_selected_action": [owner.pk, alice.pk]},
    )

    assert response.status_code == 302
    assert rows() == {e for e in before if e[0] in (owner.pk, alice.pk)}


def test_rebuilding_is_for_the_reader_themselves_and_throttled(history, settings):
    assert client_for().post(REBUILD).status_code == 401
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "feed_rebuild": "1/hour"
        },
    }  # fmt: skip
    client = client_for(history[1])
    assert [client.post(REBUILD).status_code for _ in range(2)] == [200, 429]


def test_a_rebuild_after_new_coefficients_re_ranks_everything(settings):
    owner, reader = UserFactory.create_batch(2)
    make_active([owner, reader])
    lounge = groups.group_create(creator=owner, name="Lounge", visibility="public")
    membership.group_join(user=reader, group=lounge)
    liked = posts.post_create(author=owner, group=lounge, body="liked")
    discussed = posts.post_create(author=owner, group=lounge, body="discussed")
    reactions.reaction_add(user=reader, kind="like", post=liked)
    for n in range(3):
        comments.comment_create(author=reader, post=discussed, body=f"{n}")
    process()
    client = client_for(reader)

    def top() -> list[int]:
        return [post["id"] for post in client.get(FEED, {"order": "top"}).json()["results"]]

    settings.FEED_SCORE_REACTION_WEIGHT, settings.FEED_SCORE_COMMENT_WEIGHT = 100.0, 0.0
    assert top() == [discussed.pk, liked.pk]  # scored with the old weights: comments count
    call_command("rebuild_feeds", "--all", stdout=StringIO())

    assert top() == [liked.pk, discussed.pk]
    stored = dict(PostScore.objects.values_list("post_id", "score"))
    score_refresh([liked.pk, discussed.pk])  # the scores as the new coefficients give them
    assert dict(PostScore.objects.values_list("post_id", "score")) == stored
