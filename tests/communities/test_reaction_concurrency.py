"""Reaction counters, reputation and comments_count stay exact under concurrent writes."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import F

from communities.models import Comment, Group, Membership, Reaction
from communities.roles import Role
from communities.services.comments import comment_create, comment_delete, comment_hide
from communities.services.reactions import reaction_add, reaction_remove
from divan.exceptions import Conflict, InvalidInput, NotFound
from divan.models import User
from tests.content_helpers import live_comments, make_comment, make_post
from tests.factories import UserFactory
from tests.fixtures import make_group

# Many threads, each with its own connection: such tests take turns across xdist workers.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("connection_heavy")]

USERS = 200
WORKERS = 20


def _task_a(user, post, comment) -> list[tuple[str, bool]]:
    return [
        ("post-like", reaction_add(user=user, kind="like", post=post)[1]),
        ("post-love", reaction_add(user=user, kind="love", post=post)[1]),
        ("comment-like", reaction_add(user=user, kind="like", comment=comment)[1]),
        ("post-love-removed", reaction_remove(user=user, kind="love", post=post)),
        ("comment-sad", reaction_add(user=user, kind="sad", comment=comment)[1]),
    ]


def _task_b(user, post, comment) -> list[tuple[str, bool]]:
    # Races task A of the same user: the same post "like", and the comment "sad" both ways.
    return [
        ("post-like", reaction_add(user=user, kind="like", post=post)[1]),
        ("post-laugh", reaction_add(user=user, kind="laugh", post=post)[1]),
        ("comment-sad-removed", reaction_remove(user=user, kind="sad", comment=comment)),
        ("comment-wow", reaction_add(user=user, kind="wow", comment=comment)[1]),
        ("comment-wow-removed", reaction_remove(user=user, kind="wow", comment=comment)),
        ("post-angry-removed", reaction_remove(user=user, kind="angry", post=post)),  # never added
    ]


def run_in_workers(tasks) -> list[tuple[str, bool]]:
    """Run the tasks on WORKERS threads that start together, each on its own connection."""
    chunks = [tasks[n::WORKERS] for n in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)

    def work(chunk):
        try:
            barrier.wait(timeout=30)
            return [outcome for task in chunk for outcome in task()]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return [outcome for outcomes in pool.map(work, chunks) for outcome in outcomes]


def members(group, count: int) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"reactor{n}", email=f"reactor{n}@example.com") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(group=group, user=user) for user in users)
    Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + count)
    return users


def counted_per_kind(**target) -> dict[str, int]:
    kinds = Reaction.objects.filter(**target).values_list("kind", flat=True)
    return {kind: list(kinds).count(kind) for kind in set(kinds)}


def test_200_users_adding_and_removing_at_once_keep_every_counter_exact():
    owner = UserFactory(username="owner")
    group = make_group(owner=owner)
    users = members(group, USERS)
    author = users[0]  # reacts too: to their own content, which earns nothing
    post = make_post(group, author)
    comment = make_comment(post, author)
    tasks = []
    for user in users:
        tasks.append(lambda user=user: _task_a(user, post, comment))
        tasks.append(lambda user=user: _task_b(user, post, comment))

    outcomes = run_in_workers(tasks)

    post.refresh_from_db()
    comment.refresh_from_db()
    for target, stored in (({"post": post}, post), ({"comment": comment}, comment)):
        rows = counted_per_kind(**target)
        assert stored.reactions_count == Reaction.objects.filter(**target).count()
        assert {kind: n for kind, n in stored.reaction_counts.items() if n} == rows
    author.refresh_from_db()
    by_others = Reaction.objects.filter(post=post) | Reaction.objects.filter(comment=comment)
    assert author.reputation == by_others.exclude(user=author).count()

    # What does not depend on the interleaving is exact too.
    created = [name for name, done in outcomes if done]
    assert created.count("post-like") == USERS  # of each user's two adds, exactly one inserted
    for name in ("post-love", "post-love-removed", "post-laugh", "comment-like", "comment-wow",
                 "comment-wow-removed"):  # fmt: skip
        assert created.count(name) == USERS, name
    assert created.count("post-angry-removed") == 0
    assert created.count("comment-sad") - created.count("comment-sad-removed") == (
        Reaction.objects.filter(comment=comment, kind="sad").count()
    )
    assert counted_per_kind(post=post) == {"like": USERS, "laugh": USERS}
    assert comment.reaction_counts["like"] == USERS
    assert comment.reaction_counts["wow"] == 0


def _safely(name: str, action) -> list[tuple[str, bool]]:
    """Run a write that may lose a race to another (a 400, 404 or 409 in the API)."""
    try:
        action()
    except (Conflict, InvalidInput, NotFound):
        return [(name, False)]
    return [(name, True)]


def test_concurrent_comments_deletes_and_hides_keep_comments_count_exact():
    owner = UserFactory(username="owner")
    group = make_group(owner=owner)
    users = members(group, 60)
    moderator = users[0]
    Membership.objects.filter(group=group, user=moderator).update(role=Role.MODERATOR)
    post = make_post(group, owner)
    first = [make_comment(post, user) for user in users[:40]]
    tasks = []
    for n, c in enumerate(first):  # authors delete while a moderator hides half of them
        tasks.append(
            lambda c=c: _safely("delete", lambda: comment_delete(actor=c.author, comment=c))
        )
        if n % 2:
            tasks.append(
                lambda c=c: _safely("hide", lambda: comment_hide(actor=moderator, comment=c))
            )
    for n, user in enumerate(users):  # everyone comments; a third reply to a doomed comment
        parent = first[n % 40] if n % 3 == 0 else None
        name = "reply" if parent else "comment"
        tasks.append(
            lambda u=user, p=parent, name=name: _safely(
                name, lambda: comment_create(author=u, post=post, body="hi", parent=p)
            )
        )

    outcomes = run_in_workers(tasks)

    post.refresh_from_db()
    assert post.comments_count == live_comments(post)
    went_through = [name for name, ok in outcomes if ok]
    assert went_through.count("delete") == 40
    assert went_through.count("comment") == 40
    created = Comment.objects.filter(post=post).count() - 40
    assert created == went_through.count("comment") + went_through.count("reply")
    assert post.comments_count == created
