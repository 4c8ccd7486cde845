"""Delivery on a real Celery worker (concurrency 1) fed by the events process: a post in a group
watched by 1,000 people, written in chunks of 25, with the worker SIGKILLed in the middle of
the chunks five times: each watcher has exactly one item per post, nobody else has any, and no
Celery message is left behind. The test dispatches and sweeps itself, as beat would, queueing
lost chunks only when the queue is empty."""

import pytest

from communities.services import groups, membership, posts
from divan.events.dispatch import outbox_dispatch
from notifications.models import GroupLevel, Level, Notification, RecipientChunk
from notifications.tasks import sweep_chunks
from tests.events.processes import Events, Worker, queued_messages, wait_until
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]
WATCHERS = 1000


def nudge() -> None:
    """What beat does: dispatch, and the chunk sweep (which queues the chunks not done after
    NOTIFICATIONS_CHUNK_RETRY_SECONDS), here only once the worker has emptied its queue."""
    outbox_dispatch()
    if queued_messages() == 0:
        sweep_chunks()


def test_killed_chunks_leave_each_watcher_each_post_exactly_once(settings):
    settings.EVENTS_CONSUMERS = ["notifications"]
    settings.NOTIFICATIONS_CHUNK_RETRY_SECONDS = 1
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Watched", visibility="public")
    watchers = UserFactory.create_batch(WATCHERS)
    GroupLevel.objects.bulk_create(
        [GroupLevel(user=user, group=group, level=Level.WATCHING) for user in watchers]
    )
    member, outsider = UserFactory.create_batch(2)  # in the group, not watching; not in it
    membership.group_join(user=member, group=group)
    env = {
        "EVENTS_CONSUMERS": "notifications",
        "NOTIFICATIONS_CHUNK": "25",
        "EVENTS_CONSUMER_BLOCK_MS": "100",
    }
    worker, events = Worker(**env), Events(**env).start()
    posted, cut_short = [], 0
    try:
        for _ in range(5):
            post = posts.post_create(author=owner, group=group, body="Hear ye")
            posted.append(post.pk)
            worker.start()

            def started(post_id=post.pk) -> bool:
                nudge()
                return Notification.objects.filter(post_id=post_id).exists()

            logs = f"{worker.log_tail()}\n{events.log_tail()}"
            wait_until(started, timeout=120, every=0.1, message=f"nothing delivered: {logs}")
            worker.kill()
            cut_short += Notification.objects.filter(post_id=post.pk).count() < WATCHERS

        worker.start()

        def drained() -> bool:
            nudge()
            return (
                Notification.objects.filter(post_id__in=posted).count() == WATCHERS * len(posted)
                and not RecipientChunk.objects.filter(done_at__isnull=True).exists()
            )

        wait_until(drained, timeout=180, every=0.3, message=f"not drained: {worker.log_tail()}")
        wait_until(lambda: queued_messages() == 0, timeout=60, message="messages left behind")
    finally:
        worker.kill()
        events.kill()

    assert cut_short >= 1  # at least one kill landed in the middle of a post's chunks
    expected = sorted(user.pk for user in watchers)
    for post_id in posted:
        told = Notification.objects.filter(post_id=post_id)
        assert sorted(told.values_list("recipient_id", flat=True)) == expected  # once each
        assert set(told.values_list("type", flat=True)) == {"group_post"}
    assert RecipientChunk.objects.count() == WATCHERS // 25 * len(posted)
    assert sum(RecipientChunk.objects.values_list("rows", flat=True)) == WATCHERS * len(posted)
    assert not Notification.objects.filter(recipient__in=[owner, member, outsider]).exists()
