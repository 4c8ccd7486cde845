"""Races between reads that fill a reader's cache and the writes that change their feed: each
test puts a second connection's read in the window where it used to serve a gap."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from communities.models import Membership, Post
from communities.services import groups, membership, posts
from feeds import cache
from feeds.models import CacheRepair, FeedEntry, FeedReader
from feeds.services import (
    fanout_chunk_run,
    fanout_replan,
    feed_backfill,
    feed_rebuild,
    feed_remove_post,
)
from feeds.services.rebuild import _REBUILD_LOCK
from tests.events.processes import free_port, wait_until
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.feeds.test_cache_reads import flat, group_with_posts, read_all
from tests.fixtures import client_for

FEED = "/api/communities/v1/feed/"


def recent_ids(user) -> list[int]:
    response = client_for(user).get(FEED, {"order": "recent", "page_size": 100})
    assert response.status_code == 200, response.content
    return [post["id"] for post in response.json()["results"]]


def rows(user) -> list[int]:
    return list(
        FeedEntry.objects.filter(user=user).order_by("-post_id").values_list("post_id", flat=True)
    )


def in_thread(function):
    """Run `function` on another thread (its own database connection); its result."""
    result = {}

    def run():
        try:
            result["value"] = function()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.django_db(transaction=True)
def test_a_read_between_a_backfill_and_its_commit_does_not_keep_a_set_without_it():
    owner, reader = UserFactory.create_batch(2)
    first = groups.group_create(creator=owner, name="First", visibility="public")
    second = groups.group_create(creator=owner, name="Second", visibility="public")
    membership.group_join(user=reader, group=first)
    make_active([owner, reader])
    for group in (first, second):
        for n in range(3):
            posts.post_create(author=owner, group=group, body=f"{group.name} {n}")
    feed_rebuild(user_id=reader.pk)
    Membership.objects.create(group=second, user=reader)  # joined; its event now applies

    with transaction.atomic():  # the feeds consumer's transaction for membership.joined
        feed_backfill(group_id=second.pk, user_id=reader.pk)
        thread, result = in_thread(lambda: recent_ids(reader))  # fills from committed rows
        thread.join()
        assert len(result["value"]) == 3  # the backfill is not committed yet

    assert recent_ids(reader) == rows(reader)  # the set filled meanwhile was dropped again
    assert len(rows(reader)) == 6


@pytest.mark.django_db
def test_an_old_post_is_not_added_below_a_set_that_is_not_the_whole_feed(settings):
    settings.FEED_CACHE_MAX, settings.FEED_TOP_WINDOW = 10, 5
    _group, (_owner, reader, _other), created = group_with_posts(16)
    oldest, newest = created[:4], created[-4:]
    for post in oldest:
        Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
        feed_remove_post(post_id=post.pk)
    client = client_for(reader)
    client.get(FEED, {"order": "recent"})  # filled with the newest 10 of 12 rows
    for post in newest:
        Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
        feed_remove_post(post_id=post.pk)  # the set shrinks to 6, and is still not the whole
    for post in oldest:  # restored: fanned out again, below the set's lowest
        Post.objects.filter(pk=post.pk).update(hidden_at=None)
        for chunk in fanout_replan(post_id=post.pk):
            fanout_chunk_run(chunk.pk)

    assert min(cache.cache_entries(reader.pk)) > max(post.pk for post in oldest)
    assert flat(read_all(client, "recent", 1)) == rows(reader)  # every row, read on in PostgreSQL


@pytest.mark.django_db(transaction=True)
def test_a_read_while_a_returning_readers_feed_is_rebuilt_waits_for_the_rebuild():
    group, (owner, reader, _other), _created = group_with_posts(5)
    FeedReader.objects.filter(pk=reader.pk).update(read_at=timezone.now() - timedelta(days=45))
    for n in range(5):  # not fanned out to the reader, who is away
        posts.post_create(author=owner, group=group, body=f"later {n}")
    assert len(rows(reader)) == 5

    with connection.cursor() as cursor:  # what a first read does: lock, mark active, rebuild
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_REBUILD_LOCK, reader.pk])
        FeedReader.objects.filter(pk=reader.pk).update(read_at=timezone.now())
        thread, result = in_thread(lambda: recent_ids(reader))
        wait_until(lambda: waiting_for_rebuild(reader.pk), timeout=10, message="it did not wait")
        feed_rebuild(user_id=reader.pk)
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_REBUILD_LOCK, reader.pk])
    thread.join()

    assert result["value"] == rows(reader)
    assert len(result["value"]) == 10


def waiting_for_rebuild(user_id: int) -> bool:
    """Whether a connection waits for the rebuild lock of this reader."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = %s AND objid = %s",
            [_REBUILD_LOCK, user_id],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db
@pytest.mark.parametrize("returning", [False, True])
def test_with_redis_down_a_new_or_returning_readers_first_read_answers(returning, settings):
    _group, (_owner, reader, _other), created = group_with_posts(3)
    if returning:
        FeedReader.objects.filter(pk=reader.pk).update(read_at=timezone.now() - timedelta(days=45))
    else:
        FeedReader.objects.filter(pk=reader.pk).delete()
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers there

    assert recent_ids(reader) == sorted((post.pk for post in created), reverse=True)
    assert FeedReader.objects.get(pk=reader.pk).read_at > timezone.now() - timedelta(hours=1)
    assert CacheRepair.objects.filter(user=reader).exists()  # its set is dropped once Redis is back
