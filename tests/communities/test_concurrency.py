"""Races under real PostgreSQL: counts stay exact, and a write held open is waited for and seen."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from communities.models import Comment, Group, Membership, Post, Reaction, Tag
from communities.services.comments import comment_create
from communities.services.membership import group_join, membership_ban
from communities.services.posts import post_create, post_delete, post_lock
from communities.services.reactions import reaction_add
from communities.services.tags import tags_get_or_create
from divan.exceptions import Conflict, NotFound, PermissionDenied
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for, make_comment, make_group, make_post

# Many threads, each with its own connection: such tests take turns across xdist workers.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("connection_heavy")]

USERS = 50


def run_together(clients, path: str) -> list[int]:
    """POST `path` from every client at once; the barrier lines them up for maximum overlap."""
    barrier = threading.Barrier(len(clients))

    def call(client):
        try:
            barrier.wait(timeout=30)
            return client.post(path).status_code
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(call, clients))


def test_50_concurrent_joins_add_exactly_50_members():
    group = make_group(owner=UserFactory())
    users = UserFactory.create_batch(USERS)
    clients = [client_for(user) for user in users]

    codes = run_together(clients, f"/api/communities/v1/groups/{group.pk}/join/")

    assert codes == [201] * USERS
    group.refresh_from_db()
    assert group.member_count == 1 + USERS  # the owner and the 50 who joined
    assert Membership.objects.filter(group=group).count() == group.member_count


def test_concurrent_leaves_and_repeated_joins_keep_the_count_exact():
    group = make_group(owner=UserFactory())
    leavers = UserFactory.create_batch(25)
    for user in leavers:
        add_member(group, user)
    joiner = UserFactory()
    calls = [(client_for(user), "leave") for user in leavers]
    calls += [(client_for(joiner), "join") for _ in range(25)]  # one user, 25 times at once
    barrier = threading.Barrier(len(calls))

    def call(pair):
        client, verb = pair
        try:
            barrier.wait(timeout=30)
            return verb, client.post(f"/api/communities/v1/groups/{group.pk}/{verb}/").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(call, calls))

    assert [code for verb, code in results if verb == "leave"] == [204] * 25
    join_codes = sorted(code for verb, code in results if verb == "join")
    assert join_codes == [200] * 24 + [201]  # joined once; the other 24 found the membership
    group = Group.objects.get(pk=group.pk)
    assert group.member_count == 2
    assert Membership.objects.filter(group=group).count() == 2


def _wait_until_blocked_on_a_lock(deadline_seconds: float = 10) -> None:
    """Poll PostgreSQL, with a deadline, until some session of this database waits on a lock."""
    deadline = time.monotonic() + deadline_seconds
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
    raise AssertionError("no session came to wait on a lock before the deadline")


def attempt_while_held_open(*, hold, attempt, then=None, refusals=()) -> str:
    """Run `attempt` while `hold` has written but not committed, let `hold`'s transaction go on
    (`then`, inside it) and commit once the attempt waits on a lock, and say how the attempt
    ended: "done", or the text of one of its `refusals`. Any other error, in either thread,
    fails the test."""
    held, release = threading.Event(), threading.Event()
    outcome, errors = [], []

    def holder():
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(timeout=30)  # the commit waits until the attempt is blocked
                if then is not None:
                    then()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            held.set()
            connection.close()

    def run_attempt():
        try:
            attempt()
            outcome.append("done")
        except refusals as refusal:
            outcome.append(str(refusal))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            connection.close()

    holding = threading.Thread(target=holder)
    holding.start()
    assert held.wait(timeout=30)
    attempting = threading.Thread(target=run_attempt)
    attempting.start()
    try:
        _wait_until_blocked_on_a_lock()
    finally:
        release.set()
        holding.join(timeout=30)
        attempting.join(timeout=30)
    assert errors == []
    return outcome[0]


def attempt_during_a_ban(*, owner, group, user, attempt) -> str:
    """`attempt_while_held_open` with a ban of `user` held open."""
    return attempt_while_held_open(
        hold=lambda: membership_ban(actor=owner, group=group, user_id=user.pk),
        attempt=attempt,
        refusals=(PermissionDenied,),
    )


def test_a_join_during_a_ban_waits_for_it_and_is_refused():
    """The ban holds the group row until it commits; a join arriving meanwhile waits, then sees
    the ban, instead of slipping in between the ban's check and its commit."""
    owner, target = UserFactory(), UserFactory()
    group = make_group(owner=owner)

    outcome = attempt_during_a_ban(
        owner=owner, group=group, user=target,
        attempt=lambda: group_join(user=target, group=group),
    )  # fmt: skip

    assert outcome == "You are banned from this group."
    assert not Membership.objects.filter(group=group, user=target).exists()
    group.refresh_from_db()
    assert group.member_count == 1


def test_a_post_during_a_ban_waits_for_it_and_is_refused():
    """Posting locks the author's membership row; a ban in progress has deleted it, so the post
    waits for the ban to commit and is then refused, rather than landing after the ban."""
    owner, author = UserFactory(), UserFactory()
    group = make_group(owner=owner)
    add_member(group, author)

    outcome = attempt_during_a_ban(
        owner=owner, group=group, user=author,
        attempt=lambda: post_create(author=author, group=group, body="one last word"),
    )  # fmt: skip

    assert outcome == "You are banned from this group."
    assert Post.objects.filter(group=group).count() == 0


@pytest.mark.parametrize("doing", ["comment", "react"])
def test_a_comment_or_reaction_during_a_ban_waits_for_it_and_is_refused(doing):
    """Commenting and reacting lock the member's row before the post's (the lock order in
    services/locks.py): a ban in progress is waited for and seen, as for a post."""
    owner, author = UserFactory(), UserFactory()
    group = make_group(owner=owner)
    add_member(group, author)
    post = make_post(group=group, author=owner)
    attempts = {
        "comment": lambda: comment_create(author=author, post=post, body="one last word"),
        "react": lambda: reaction_add(user=author, kind="like", post=post),
    }

    outcome = attempt_during_a_ban(owner=owner, group=group, user=author, attempt=attempts[doing])

    assert outcome == "You are banned from this group."
    post.refresh_from_db()
    assert (post.comments_count, post.reactions_count) == (0, 0)
    assert not Comment.objects.filter(post=post).exists()
    assert not Reaction.objects.filter(post=post).exists()


def test_another_members_post_does_not_wait_for_a_ban_in_progress():
    """A ban holds the group row FOR NO KEY UPDATE, which leaves alone the FOR KEY SHARE lock
    that a post's insert takes on its group row: someone else's post commits meanwhile."""
    owner, target, author = UserFactory(), UserFactory(), UserFactory()
    group = make_group(owner=owner)
    add_member(group, target)
    add_member(group, author)
    ban_written, release_ban = threading.Event(), threading.Event()

    def ban():
        try:
            with transaction.atomic():
                membership_ban(actor=owner, group=group, user_id=target.pk)
                ban_written.set()
                release_ban.wait(timeout=30)
        finally:
            connection.close()

    def write_post():
        try:
            post_create(author=author, group=group, body="meanwhile")
        finally:
            connection.close()

    banning = threading.Thread(target=ban)
    posting = threading.Thread(target=write_post)
    banning.start()
    try:
        assert ban_written.wait(timeout=30)
        posting.start()
        posting.join(timeout=10)  # the deadline: it would wait for the ban's commit otherwise
        posted_during_the_ban = not posting.is_alive()
        ban_still_open = Membership.objects.filter(group=group, user=target).exists()
    finally:
        release_ban.set()
        banning.join(timeout=30)
        if posting.ident is not None:
            posting.join(timeout=30)

    assert posted_during_the_ban
    assert ban_still_open
    assert Post.objects.filter(group=group, author=author).count() == 1
    assert not Membership.objects.filter(group=group, user=target).exists()


@pytest.mark.parametrize("change", ["lock", "delete"])
@pytest.mark.parametrize("doing", ["react", "react to a comment", "comment"])
def test_a_write_on_a_post_being_locked_or_deleted_waits_and_is_refused(doing, change):
    """Reacting and commenting trust the caller's copy of the post for its id and group only:
    they lock the post's row, so a moderator's lock or delete in progress is waited for, and
    seen (409, 404), never slipped past; nothing is written."""
    owner, author = UserFactory(), UserFactory()
    group = make_group(owner=owner)
    add_member(group, author)
    post = make_post(group=group, author=owner)  # as a view loaded it: live and unlocked
    comment = make_comment(post=post, author=owner)
    writes = {
        "react": lambda: reaction_add(user=author, kind="like", post=post),
        "react to a comment": lambda: reaction_add(user=author, kind="like", comment=comment),
        "comment": lambda: comment_create(author=author, post=post, body="just in time?"),
    }
    moderate = post_lock if change == "lock" else post_delete

    outcome = attempt_while_held_open(
        hold=lambda: moderate(actor=owner, post=post),
        attempt=writes[doing],
        refusals=(Conflict, NotFound),
    )

    gone = (
        "No comment matches the given query."
        if doing == "react to a comment"
        else ("No post matches the given query.")
    )
    assert outcome == ("This post is locked." if change == "lock" else gone)
    post.refresh_from_db()
    comment.refresh_from_db()
    assert (post.comments_count, post.reactions_count, comment.reactions_count) == (1, 0, 0)
    assert list(Comment.objects.filter(post=post)) == [comment]
    assert not Reaction.objects.filter(post=post).exists()


def test_new_tags_are_created_in_name_order_so_two_writers_never_wait_in_a_cycle():
    """One writer has created tag "a" and will create "b"; another creates ["b", "a"] meanwhile.
    In the callers' orders they would wait on each other (a deadlock, a 500): the second holds
    "b" and waits for "a", the first waits for "b". In name order the second waits for "a" first,
    holding nothing the first needs."""
    outcome = attempt_while_held_open(
        hold=lambda: tags_get_or_create(["a"]),
        then=lambda: tags_get_or_create(["b"]),
        attempt=lambda: tags_get_or_create(["b", "a"]),
    )

    assert outcome == "done"
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["a", "b"]
