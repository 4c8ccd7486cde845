"""The unread count kept in Redis (notifications/unread.py): polling it again runs no SQL, and
each change that moves a person's count ends their kept answer once it commits, so the bell
never shows what the inbox would not. Transactions commit here (the bumps run on commit)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Visibility
from communities.services.blocks import block_remove, block_set
from communities.services.comments import comment_delete
from communities.services.groups import group_update
from communities.services.membership.invitations import invitation_cancel, invitation_create
from communities.services.membership.joining import group_leave
from communities.services.membership.members import membership_change_role
from communities.services.posts import post_hide
from communities.services.reports import report_create
from notifications import unread
from notifications.models import Notification
from notifications.retention import notifications_purge_users
from notifications.selectors import unread_count
from notifications.unread import unread_count_kept
from tests.events.processes import free_port
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for, make_comment, make_group, make_post
from tests.notifications.delivering import deliver, settle
from tests.notifications.helpers import READ, UNREAD

pytestmark = pytest.mark.django_db(transaction=True)


def kept_total(person) -> tuple[int, int]:
    """(the bell's total, the statements it ran)."""
    with CaptureQueriesContext(connection) as queries:
        total = unread_count_kept(recipient=person).total
    return total, len(queries)


def truth(person) -> int:
    return unread_count(recipient=person).total


@pytest.fixture
def thread():
    """alice's post in a private group, with bob's reply to it and carol's to bob: alice has
    two unread items (a reply from bob, one from carol in her thread), kept once read."""
    alice, bob, carol, owner = (UserFactory(username=n) for n in ("alice", "bob", "carol", "own"))
    group = make_group(owner=owner, visibility=Visibility.PRIVATE)
    for person in (alice, bob, carol):
        add_member(group, person)
    post = make_post(group=group, author=alice, title="Mine")
    settle()
    first = make_comment(post=post, author=bob, body="Hello alice")
    make_comment(post=post, author=carol, body="Me too")
    deliver()
    assert kept_total(alice) == (2, 1)
    assert kept_total(alice) == (2, 0)  # kept: no SQL at all
    return {"alice": alice, "bob": bob, "carol": carol, "owner": owner, "group": group,
            "post": post, "first": first}  # fmt: skip


def test_a_delivery_ends_the_recipients_kept_count(thread):
    alice, bob = thread["alice"], thread["bob"]
    make_comment(post=thread["post"], author=bob, body="And again")
    deliver()

    assert kept_total(alice) == (3, 1)
    assert kept_total(bob) == (0, 1)  # nothing for him, and his first read is a read


def test_marking_read_over_the_api_ends_it(thread):
    alice = thread["alice"]
    client = client_for(alice)
    assert client.get(UNREAD).json()["total"] == 2
    newest = Notification.objects.filter(recipient=alice).latest("id").pk

    assert client.post(READ, {"up_to": newest}, format="json").json() == {"marked": 2}

    assert client.get(UNREAD).json()["total"] == 0
    assert kept_total(alice) == (0, 0)


def test_a_block_and_its_undoing_end_the_blockers_kept_count_only(thread):
    alice, bob = thread["alice"], thread["bob"]
    assert kept_total(bob) == (0, 1)
    block_set(user=alice, target=bob, kind="block")

    assert kept_total(alice) == (1, 1) and truth(alice) == 1  # carol's reply is left
    assert kept_total(bob) == (0, 0)  # his is still kept
    block_remove(user=alice, target=bob)
    assert kept_total(alice) == (2, 1)


@pytest.mark.parametrize("change", ["post hidden", "comment deleted", "left", "made secret"])
def test_content_taken_away_ends_the_kept_count_once_the_consumer_saw_it(thread, change):
    alice, owner, group = thread["alice"], thread["owner"], thread["group"]
    if change == "post hidden":
        post_hide(actor=owner, post=thread["post"], reason="spam")
        expected = 1  # the replies to it go (hidden content); that it was hidden comes
    elif change == "comment deleted":
        comment_delete(actor=thread["bob"], comment=thread["first"])
        expected = 1  # carol's is left
    elif change == "left":
        group_leave(user=alice, group=group)
        expected = 0
    else:
        group_update(actor=owner, group=group, visibility=Visibility.SECRET)
        expected = 2  # she is a member still: nothing of hers goes
    deliver()  # the events through the notifications consumer

    assert kept_total(alice)[0] == truth(alice) == expected


def test_retention_ends_the_kept_count_of_whoever_lost_unread_items(thread, settings):
    alice, carol = thread["alice"], thread["carol"]
    Notification.objects.filter(recipient=alice).update(
        updated_at=timezone.now() - timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS + 1)
    )
    assert kept_total(carol)[1] == 1

    assert notifications_purge_users(user_ids=[alice.pk, carol.pk], now=timezone.now()) == 2

    assert kept_total(alice) == (0, 1)
    assert kept_total(carol)[1] == 0  # nothing of hers went


def test_a_change_while_the_count_is_read_is_not_lost(thread, monkeypatch):
    """A bump between reading the generation and keeping the answer (a delivery committing
    meanwhile) leaves the answer under the older generation: the next read reads again."""
    alice = thread["alice"]
    unread._bump([alice.pk])  # whatever was kept is over

    def read_then_changed(*, recipient):
        answer = unread_count(recipient=recipient)
        unread._bump([recipient.pk])  # a commit elsewhere, just after this read
        return answer

    monkeypatch.setattr(unread, "unread_count", read_then_changed)
    assert kept_total(alice) == (2, 1)
    monkeypatch.undo()

    assert kept_total(alice) == (2, 1)  # read again, not served from the stale answer
    assert kept_total(alice) == (2, 0)


def test_with_redis_down_the_count_is_read_from_postgresql_each_time(thread, settings):
    alice = thread["alice"]
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers there

    assert kept_total(alice) == (2, 1)
    assert kept_total(alice) == (2, 1)
    assert client_for(alice).get(UNREAD).json()["total"] == 2


@pytest.mark.parametrize("who", ["invitee declines", "owner revokes"])
def test_an_ended_invitation_to_a_secret_group_goes_with_its_count(who):
    owner, dave = UserFactory(username="own"), UserFactory(username="dave")
    group = make_group(owner=owner, visibility=Visibility.SECRET)
    settle()
    invitation, _ = invitation_create(actor=owner, group=group, user_id=dave.pk)
    deliver()
    assert kept_total(dave) == (1, 1)

    actor = dave if who == "invitee declines" else owner
    invitation_cancel(actor=actor, group=group, invitation_id=invitation.pk)
    deliver()

    assert kept_total(dave) == (0, 1)
    assert not Notification.objects.filter(recipient=dave).exists()  # nor back if invited again


@pytest.mark.parametrize("change", ["made a member", "left"])
def test_a_moderator_who_no_longer_moderates_loses_the_groups_queues(change):
    """New reports and join requests are a moderator's: demoted, or gone from the group, the
    queue's items go (the reporters' names with them), and so does their kept count."""
    owner, mod, author = (UserFactory(username=n) for n in ("own", "mod", "writer"))
    group = make_group(owner=owner)  # public: whoever leaves still knows the group
    add_member(group, mod, role="moderator")
    add_member(group, author)
    post = make_post(group=group, author=author)
    settle()
    report_create(reporter=author, post_id=post.pk, reason="spam")
    deliver()
    assert kept_total(mod) == (1, 1) and kept_total(owner) == (1, 1)

    if change == "made a member":
        membership_change_role(actor=owner, group=group, user_id=mod.pk, role="member")
    else:
        group_leave(user=mod, group=group)
    deliver()

    assert not Notification.objects.filter(recipient=mod, type="report_new").exists()
    assert kept_total(mod)[0] == truth(mod) == (1 if change == "made a member" else 0)
    assert kept_total(owner) == (1, 0)  # the owner's queue is untouched, still kept
