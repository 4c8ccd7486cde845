"""One score per post (feeds.PostScore), kept as reactions and comments change, and rescored
on a schedule at a cost that follows posts, never readers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Post
from communities.services import comments, groups, membership, posts, reactions
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.redis import get_redis, redis_key
from feeds.models import PostScore
from feeds.ranking import Coefficients, hot_score
from feeds.services import rescore_recent, score_refresh
from feeds.tasks import rescore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_and_members():
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Scored", visibility="public")
    members = UserFactory.create_batch(4)
    for user in members:
        membership.group_join(user=user, group=group)
    return group, [owner, *members]


def expected(post: Post) -> float:
    post.refresh_from_db()
    post.author.refresh_from_db()
    return hot_score(
        created_at=post.created_at,
        reactions=post.reactions_count,
        comments=post.comments_count,
        author_reputation=post.author.reputation,
        coefficients=Coefficients(),
        now=timezone.now(),
    )


def stored(post: Post) -> float:
    return PostScore.objects.get(post=post).score


def test_a_score_is_the_ranking_of_the_posts_counters_and_written_once(group_and_members):
    group, members = group_and_members
    post = posts.post_create(author=members[1], group=group, body="x")
    reactions.reaction_add(user=members[2], kind="like", post=post)

    assert score_refresh([post.pk]) == 1
    assert score_refresh([post.pk]) == 0  # unchanged: nothing written
    assert stored(post) == pytest.approx(expected(post))
    assert PostScore.objects.get(post=post).group_id == group.pk


def test_the_feeds_consumer_scores_new_posts_and_rescores_on_reactions_and_comments(
    group_and_members, settings
):
    settings.EVENTS_CONSUMERS = ["feeds"]
    group, members = group_and_members
    post = posts.post_create(author=members[1], group=group, body="x")
    outbox_dispatch()
    consumer_run("feeds", seconds=5, block_ms=0, until_idle=True)
    fresh = stored(post)

    reactions.reaction_add(user=members[2], kind="like", post=post)
    comments.comment_create(author=members[3], post=post, body="yes")
    outbox_dispatch()
    consumer_run("feeds", seconds=5, block_ms=0, until_idle=True)

    assert stored(post) > fresh
    assert stored(post) == pytest.approx(expected(post))


def test_rescoring_takes_recent_posts_in_batches_and_follows_new_coefficients(
    group_and_members, settings, django_assert_num_queries
):
    group, members = group_and_members
    recent = [posts.post_create(author=members[1], group=group, body=f"{n}") for n in range(5)]
    old = posts.post_create(author=members[1], group=group, body="old")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=73))
    for post in recent:
        reactions.reaction_add(user=members[2], kind="like", post=post)

    # per batch of 2 (2, 2, 1): the ids, the read, the upsert, the transaction's savepoint and
    # release; then the ids query that finds none
    with django_assert_num_queries(3 * 5 + 1):
        assert rescore_recent(batch_size=2) == 5
    assert not PostScore.objects.filter(post=old).exists()
    assert rescore_recent() == 0

    settings.FEED_SCORE_REACTION_WEIGHT = 10.0
    assert rescore_recent() == 5


def test_rescoring_costs_the_same_queries_for_any_number_of_readers(
    group_and_members, django_assert_num_queries
):
    group, members = group_and_members
    post = posts.post_create(author=members[1], group=group, body="x")
    with django_assert_num_queries(2):
        score_refresh([post.pk])
    for user in UserFactory.create_batch(20):
        membership.group_join(user=user, group=group)
    reactions.reaction_add(user=members[2], kind="like", post=post)
    with django_assert_num_queries(2):
        score_refresh([post.pk])


def test_two_rescoring_runs_never_overlap(group_and_members):
    lock = get_redis().lock(redis_key("feed", "rescore-lock"), timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert rescore() is None  # the other run holds the lock
    finally:
        lock.release()
    assert rescore() == 0
