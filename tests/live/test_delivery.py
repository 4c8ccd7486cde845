"""What the live consumer sends, through a real stream process: counts and new comments of the
posts a client views, new posts for the members' "new posts" count, unread counts; each only
to whoever may see it when it is sent (a ban, a group gone private, a block stop it)."""

import pytest
from rest_framework.authtoken.models import Token

from communities.models import Visibility
from communities.services.blocks import block_set
from communities.services.groups import group_update
from communities.services.membership.bans import membership_ban
from communities.services.reactions import reaction_add
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from live import channels
from tests.factories import UserFactory
from tests.fixtures import add_member, make_comment, make_group, make_post

pytestmark = [pytest.mark.django_db(transaction=True)]

SENTINEL = "sentinel"
NO_REACTIONS = {"like": 0, "love": 0, "laugh": 0, "wow": 0, "sad": 0, "angry": 0}


@pytest.fixture(autouse=True)
def _consumers(settings):
    settings.EVENTS_CONSUMERS = ["live", "notifications"]


def run_consumers() -> None:
    """What the events process does with everything written so far."""
    outbox_dispatch()
    for name in ("live", "notifications"):
        consumer_run(name, seconds=60, block_ms=0, until_idle=True)


def token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def heard(clients: dict) -> dict:
    """What each client was sent before a sentinel published to all of them now: (event, data)
    pairs, `ready` left out."""
    users = {client: user for user, client in clients.items()}
    channels.publish([user.pk for user in users.values()], SENTINEL, {})
    for client in clients.values():
        client.wait_for(1, SENTINEL)
    said = {}
    for user, client in clients.items():
        said[user.username] = [
            (m.event, m.data) for m in client.messages if m.event not in ("ready", SENTINEL)
        ]
        client.messages.clear()
    return said


def test_viewers_members_and_authors_each_hear_what_is_theirs(connect):
    alice, bob, carol, dave, erin = (UserFactory(username=n) for n in
                                     ("alice", "bob", "carol", "dave", "erin"))  # fmt: skip
    group = make_group(owner=alice, visibility=Visibility.PRIVATE)
    for member in (bob, carol, erin):
        add_member(group, member)
    post = make_post(group=group, author=alice, body="Hello")
    run_consumers()
    clients = {
        alice: connect(token=token(alice)),
        bob: connect(token=token(bob), posts=[post.pk]),  # has the post open
        carol: connect(token=token(carol)),  # on the home feed
        dave: connect(token=token(dave), posts=[post.pk]),  # not a member: may not read it
    }
    for client in clients.values():
        client.wait_for(1, "ready")

    reaction_add(user=carol, kind="like", post=post)
    comment = make_comment(post=post, author=erin, body="Hi alice")
    second = make_post(group=group, author=alice, body="Another")
    run_consumers()

    said = heard(clients)
    # each event's message carries the counts as they are when the consumer sends it
    counts = {"post_id": post.pk, "comments_count": 1, "reactions_count": 1,
              "reaction_counts": {**NO_REACTIONS, "like": 1}}  # fmt: skip
    assert said["bob"] == [
        ("post", counts),  # the reaction
        ("post", counts),  # the comment
        ("comment", {"post_id": post.pk, "comment_id": comment.pk, "parent_id": None}),
        ("feed", {"post_id": second.pk, "group_id": group.pk}),
    ]
    assert said["carol"] == [("feed", {"post_id": second.pk, "group_id": group.pk})]
    assert said["dave"] == []
    # carol's reaction and erin's reply notify alice (her own post is in no count of hers);
    # counts queued together go as one, the newest
    assert {event for event, _ in said["alice"]} == {"notification"}
    unread = said["alice"][-1][1]["unread"]
    assert (unread["total"], unread["by_type"]["reaction"], unread["by_type"]["post_reply"]) == (
        2, 1, 1
    )  # fmt: skip


def test_a_member_banned_while_connected_hears_nothing_more_from_the_group(connect):
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    group = make_group(owner=alice, visibility=Visibility.PUBLIC)
    elsewhere = make_group(owner=alice, visibility=Visibility.PUBLIC, name="Elsewhere")
    for member in (bob, carol):
        add_member(group, member)
        add_member(elsewhere, member)
    post = make_post(group=group, author=alice)
    run_consumers()
    bob_stream = connect(token=token(bob), posts=[post.pk])
    bob_stream.wait_for(1, "ready")
    clients = {bob: bob_stream}

    reaction_add(user=carol, kind="love", post=post)
    run_consumers()
    assert [event for event, _ in heard(clients)["bob"]] == ["post"]

    membership_ban(actor=alice, group=group, user_id=bob.pk, reason="spam")
    make_comment(post=post, author=carol)
    reaction_add(user=alice, kind="like", post=post)
    make_post(group=group, author=carol, body="While bob is banned")
    other = make_post(group=elsewhere, author=carol, body="Still here")
    run_consumers()

    heard_now = heard(clients)["bob"]  # the two consumers run in either order
    assert sorted(event for event, _ in heard_now) == ["feed", "notification"]
    said = dict(heard_now)
    assert said["notification"]["unread"]["by_type"]["banned"] == 1  # told of the ban itself
    assert said["feed"] == {"post_id": other.pk, "group_id": elsewhere.pk}
    assert not bob_stream.ended.is_set()  # the stream itself goes on


def test_a_group_made_private_stops_what_outsiders_viewing_its_post_hear(connect):
    alice, dave = UserFactory(username="alice"), UserFactory(username="dave")
    group = make_group(owner=alice, visibility=Visibility.PUBLIC)
    post = make_post(group=group, author=alice)
    run_consumers()
    clients = {dave: connect(token=token(dave), posts=[post.pk])}  # public: anyone may read
    clients[dave].wait_for(1, "ready")

    reaction_add(user=alice, kind="like", post=post)
    run_consumers()
    assert [event for event, _ in heard(clients)["dave"]] == ["post"]

    group_update(actor=alice, group=group, visibility=Visibility.PRIVATE)
    reaction_add(user=alice, kind="wow", post=post)
    run_consumers()

    assert heard(clients)["dave"] == []


def test_a_blocked_authors_comment_is_not_sent_but_the_counts_are(connect):
    alice, carol, erin = (UserFactory(username=n) for n in ("alice", "carol", "erin"))
    group = make_group(owner=alice, visibility=Visibility.PUBLIC)
    add_member(group, erin)
    post = make_post(group=group, author=alice)
    block_set(user=carol, target=erin, kind="block")
    run_consumers()
    clients = {carol: connect(token=token(carol), posts=[post.pk])}
    clients[carol].wait_for(1, "ready")

    make_comment(post=post, author=erin, body="You blocked me")
    run_consumers()

    assert heard(clients)["carol"] == [
        ("post", {"post_id": post.pk, "comments_count": 1, "reactions_count": 0,
                  "reaction_counts": NO_REACTIONS}),
    ]  # fmt: skip


def test_an_event_applied_twice_is_published_once(connect):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    group = make_group(owner=alice, visibility=Visibility.PUBLIC)
    add_member(group, bob)
    run_consumers()
    clients = {bob: connect(token=token(bob))}
    clients[bob].wait_for(1, "ready")
    post = make_post(group=group, author=alice)
    outbox_dispatch()
    from divan.events import stream
    from divan.events.consumers import Event
    from live.consumers import live

    entries = channels.get_redis().xrange(stream.stream_key())
    created = [Event.from_entry(i, f) for i, f in entries if f["type"] == "post.created"]
    live(created[-1])  # a consumer killed after its effect, before its record commits
    live(created[-1])

    assert heard(clients)["bob"] == [("feed", {"post_id": post.pk, "group_id": group.pk})]
    kept = channels.get_redis().xrange(channels.buffer_key(bob.pk))
    assert [fields["kind"] for _id, fields in kept] == ["begin", "feed", SENTINEL]
