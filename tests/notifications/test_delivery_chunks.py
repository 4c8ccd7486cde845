"""Delivery's cost and bookkeeping: a fixed number of statements whatever the number of
recipients; chunks of a large recipient set that can run twice, be lost and found again; and
what /metrics says of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Visibility
from communities.services import membership
from divan.events.consumers import event_apply
from notifications.delivery import chunk_sweep, event_deliver, recipient_chunk_run
from notifications.models import GroupLevel, Level, Notification, PostLevel, RecipientChunk
from tests.factories import UserFactory
from tests.fixtures import make_comment, make_group, make_post, metrics_scrape
from tests.notifications.delivering import deliver, outbox_events, settle

pytestmark = pytest.mark.django_db


def crowd(size: int):
    """A public group of `size` members besides its owner, each watching it and the owner's
    post; the post, and the members."""
    owner = UserFactory()
    group = make_group(owner=owner, visibility=Visibility.PUBLIC)
    members = UserFactory.create_batch(size)
    for user in members:
        membership.group_join(user=user, group=group)
    post = make_post(group=group, author=owner, body="Watched")
    GroupLevel.objects.bulk_create(
        [GroupLevel(user=user, group=group, level=Level.WATCHING) for user in members]
    )
    PostLevel.objects.bulk_create(
        [PostLevel(user=user, post=post, level=Level.WATCHING) for user in members]
    )
    settle()
    return group, post, owner, members


def statements(function) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        function()
    return [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]


def test_the_mapping_runs_a_fixed_number_of_statements_whatever_the_recipients(settings):
    settings.NOTIFICATIONS_CHUNK = 1000
    counted = {}
    for size in (3, 40):
        group, post, owner, members = crowd(size)
        names = " ".join(f"@{user.username}" for user in members[:20])
        parent = make_comment(post=post, author=members[0], body="First")
        settle()
        make_comment(post=post, author=owner, parent=parent, body=f"All of you {names}")
        make_post(group=group, author=owner, body=f"News {names}")
        created, posted = outbox_events("comment.created")[-1], outbox_events("post.created")[-1]
        comment_run = statements(lambda created=created: event_apply("notifications", created))
        post_run = statements(lambda posted=posted: event_apply("notifications", posted))
        chunk = RecipientChunk.objects.filter(type="thread_comment").latest("id")
        chunk_run = statements(lambda chunk=chunk: recipient_chunk_run(chunk.pk))
        counted[size] = (comment_run, post_run, chunk_run)
        # each member told once of each: mentioned or answered inline, the others by the chunks
        deliver()
        assert Notification.objects.filter(recipient__in=members).count() == 2 * size
        Notification.objects.all().delete()

    assert counted[3] == counted[40]
    comment_run, post_run, chunk_run = counted[3]
    # the dedup record, the body, the items, the chunks' plan (in a savepoint here)
    assert comment_run == ["SAVEPOINT", "INSERT", "SELECT", "INSERT", "INSERT", "RELEASE"]
    assert post_run == comment_run
    # its commit not waiting for the disk, the chunk locked, its items, its done mark
    assert chunk_run == ["SAVEPOINT", "SET", "SELECT", "INSERT", "UPDATE", "RELEASE"]


def test_a_chunk_run_twice_or_planned_twice_notifies_each_watcher_once(settings):
    settings.NOTIFICATIONS_CHUNK = 10
    group, _post, owner, members = crowd(25)
    make_post(group=group, author=owner, body="To the watchers")
    deliver()

    chunks = list(RecipientChunk.objects.order_by("after_user_id"))
    ids = sorted(user.pk for user in members)
    assert [(c.after_user_id, c.last_user_id) for c in chunks] == [
        (0, ids[9]), (ids[9], ids[19]), (ids[19], ids[24])
    ]  # fmt: skip
    assert [c.rows for c in chunks] == [10, 10, 5]
    told = Notification.objects.filter(type="group_post")
    assert sorted(told.values_list("recipient_id", flat=True)) == ids

    # a chunk run again (as after a kill that lost its done mark) writes nothing new
    RecipientChunk.objects.filter(pk=chunks[1].pk).update(done_at=None)
    assert recipient_chunk_run(chunks[1].pk) == 0
    assert recipient_chunk_run(chunks[1].pk) == 0  # done: nothing to do
    assert sorted(told.values_list("recipient_id", flat=True)) == ids
    # the same event mapped again (its record aside) plans no second chunk, tells nobody twice
    posted = outbox_events("post.created")[-1]
    assert event_deliver(posted) == []
    assert RecipientChunk.objects.count() == 3
    assert sorted(told.values_list("recipient_id", flat=True)) == ids


def test_the_sweep_finds_lost_chunks_and_forgets_old_ones(settings):
    settings.NOTIFICATIONS_CHUNK = 10
    group, _post, owner, _members = crowd(15)
    make_post(group=group, author=owner, body="Lost")
    assert event_apply("notifications", outbox_events("post.created")[-1])  # planned, not run
    first, second = RecipientChunk.objects.order_by("after_user_id")
    settings.NOTIFICATIONS_CHUNK_RETRY_SECONDS = 3600
    assert chunk_sweep() == []  # not late yet
    settings.NOTIFICATIONS_CHUNK_RETRY_SECONDS = 0
    assert chunk_sweep() == [first.pk, second.pk]
    recipient_chunk_run(first.pk)
    assert chunk_sweep() == [second.pk]
    settings.NOTIFICATIONS_CHUNK_KEEP_HOURS = 0
    recipient_chunk_run(second.pk)
    assert chunk_sweep() == []
    assert not RecipientChunk.objects.exists()  # done, and kept no longer
    assert Notification.objects.filter(type="group_post").count() == 15


def test_metrics_count_items_by_type_their_delay_and_chunks_pending(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_CHUNK = 2
    group, post, owner, members = crowd(3)
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post=post, author=members[0], body=f"@{members[1].username}")
        deliver()
    make_post(group=group, author=owner, body="Pending")
    event_apply("notifications", outbox_events("post.created")[-1])  # planned, not run

    text = metrics_scrape().content.decode()
    assert 'divan_notifications_created_total{type="post_reply"} 1.0' in text
    assert 'divan_notifications_created_total{type="mention"} 1.0' in text
    assert 'divan_notifications_created_total{type="thread_comment"} 1.0' in text  # members[2]
    assert 'divan_notifications_created_total{type="reaction"} 0.0' in text
    assert "divan_notifications_delay_seconds_count 3.0" in text
    assert 'divan_notifications_delay_seconds_bucket{le="+Inf"} 3.0' in text
    assert "divan_notification_chunks_pending 2.0" in text
