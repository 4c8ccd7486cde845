"""The stored TagCount rows behind tags/: after every kind of change, and under concurrent edits,
they equal a fresh count of the posts that carry each tag."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from communities.models import PostTag, TagCount
from communities.services.posts import (
    post_create,
    post_delete,
    post_hide,
    post_lock,
    post_restore,
    post_update,
)
from communities.services.reports import report_create, report_resolve
from divan.exceptions import Conflict
from tests.factories import UserFactory
from tests.fixtures import add_member, build_world, make_group


def stored_counts() -> dict[tuple[int, str], tuple[int, int]]:
    """(group id, tag) -> (shown, hidden) from TagCount, rows at zero left out."""
    return {
        (row.group_id, row.tag.name): (row.shown_posts, row.hidden_posts)
        for row in TagCount.objects.select_related("tag")
        if (row.shown_posts, row.hidden_posts) != (0, 0)
    }


def counted_counts() -> dict[tuple[int, str], tuple[int, int]]:
    """The same, counted afresh from the posts and their tags."""
    shown: Counter = Counter()
    hidden: Counter = Counter()
    links = PostTag.objects.filter(post__deleted_at__isnull=True).select_related("post", "tag")
    for link in links:
        key = (link.post.group_id, link.tag.name)
        (hidden if link.post.hidden_at is not None else shown)[key] += 1
    return {key: (shown[key], hidden[key]) for key in shown.keys() | hidden.keys()}


@pytest.mark.django_db
def test_the_stored_counts_follow_every_change_to_a_post():
    world = build_world("public")
    group, author, moderator = world.group, world.user("member"), world.user("moderator")
    key = group.pk

    first = post_create(author=author, group=group, body="1", tags=["python", "django"])
    second = post_create(author=author, group=group, body="2", tags=["python"])
    assert stored_counts() == {(key, "python"): (2, 0), (key, "django"): (1, 0)}

    post_update(actor=author, post=first, tags=["django", "rust", "Go"])
    assert stored_counts() == {(key, "python"): (1, 0), (key, "django"): (1, 0),
                               (key, "rust"): (1, 0), (key, "go"): (1, 0)}  # fmt: skip

    post_hide(actor=moderator, post=first)
    assert stored_counts() == {(key, "python"): (1, 0), (key, "django"): (0, 1),
                               (key, "rust"): (0, 1), (key, "go"): (0, 1)}  # fmt: skip

    post_restore(actor=moderator, post=first)
    post_update(actor=author, post=second, tags=[])
    assert stored_counts() == {(key, "django"): (1, 0), (key, "rust"): (1, 0), (key, "go"): (1, 0)}

    report, _ = report_create(reporter=world.user("admin"), post_id=first.pk, reason="spam")
    report_resolve(actor=moderator, report=report, hide_content=True)
    post_delete(actor=author, post=first)  # deleting a hidden post takes it from the hidden
    third = post_create(author=author, group=group, body="3", tags=["go"])
    post_delete(actor=moderator, post=third)  # and a shown one from the shown
    assert stored_counts() == {}
    assert counted_counts() == {}


@pytest.mark.django_db
def test_a_refused_change_leaves_the_counts_as_they_were():
    world = build_world("public")
    post = post_create(author=world.user("member"), group=world.group, body="x", tags=["python"])
    post_lock(actor=world.user("moderator"), post=post)
    before = stored_counts()

    with pytest.raises(Conflict):
        post_update(actor=world.user("member"), post=post, tags=["rust"])
    post_hide(actor=world.user("moderator"), post=post)
    with pytest.raises(Conflict):
        post_hide(actor=world.user("moderator"), post=post)

    assert before == {(world.group.pk, "python"): (1, 0)}
    assert stored_counts() == {(world.group.pk, "python"): (0, 1)} == counted_counts()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("connection_heavy")
def test_concurrent_edits_crossing_the_same_tags_keep_the_counts_exact():
    """Authors swap tags both ways at once (a, b -> b, c while another goes b, c -> a, b), with
    hides and new posts in between: no deadlock, no error, and the counts equal a fresh count."""
    owner = UserFactory()
    group = make_group(owner=owner)
    authors = UserFactory.create_batch(12)
    for author in authors:
        add_member(group, author)
    cycle = [["a", "b"], ["b", "c"], ["c", "a"], ["a", "b", "c"]]
    posts = [
        post_create(author=author, group=group, body="x", tags=cycle[i % 4])
        for i, author in enumerate(authors)
    ]
    barrier = threading.Barrier(len(authors))

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for step in range(6):
                post_update(actor=authors[i], post=posts[i], tags=cycle[(i + step + 1) % 4])
                post_create(author=authors[i], group=group, body="y", tags=cycle[(i + step) % 4])
            if i % 3 == 0:
                post_hide(actor=owner, post=posts[i])
            if i % 4 == 0:
                post_delete(actor=authors[i], post=posts[i])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(authors)) as pool:
        list(pool.map(work, range(len(authors))))  # re-raises any thread's error

    assert stored_counts() == counted_counts()
    assert (
        sum(shown + hidden for shown, hidden in stored_counts().values())
        == PostTag.objects.filter(post__deleted_at__isnull=True).count()
    )
