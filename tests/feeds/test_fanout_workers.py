"""Fan-out on a real Celery worker (concurrency 1) fed by the events process: a post in a group of
1,000 members reaches every member's feed, in PostgreSQL and in the cache, and nobody else's;
with the worker SIGKILLed in the middle of a fan-out, five times, every member still has each
post exactly once, and no Celery message is left behind. The test dispatches and sweeps itself,
as beat would, queueing lost chunks only when the queue is empty: nothing piles up however busy
the machine is."""

import pytest

from communities.services import groups, membership, posts
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry
from feeds.tasks import sweep_fanout
from tests.events.processes import Events, Worker, queued_messages, wait_until
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

pytestmark = [pytest.mark.django_db(transaction=True)]
MEMBERS = 1000


def nudge() -> None:
    """What beat does: dispatch, and the fan-out sweep (which queues the chunks not done after
    FEED_FANOUT_RETRY_SECONDS), here only once the worker has emptied its queue."""
    outbox_dispatch()
    if queued_messages() == 0:
        sweep_fanout()


def test_killed_fan_outs_leave_each_member_each_post_exactly_once(settings):
    settings.EVENTS_CONSUMERS = ["feeds"]
    settings.FEED_FANOUT_RETRY_SECONDS = 1
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Thousand", visibility="public")
    members = [owner, *UserFactory.create_batch(MEMBERS - 1)]
    for user in members[1:]:
        membership.group_join(user=user, group=group)
    outsider = UserFactory()
    make_active([*members, outsider])
    outbox_dispatch()  # the joins' events first (each new member's cache starts cold)
    consumer_run("feeds", seconds=60, block_ms=0, until_idle=True)
    for user in [*members, outsider]:
        cache.cache_fill(user.pk, [])  # then every cache warm
    env = {
        "EVENTS_CONSUMERS": "feeds",
        "FEED_FANOUT_CHUNK": "25",
        "EVENTS_CONSUMER_BLOCK_MS": "100",
    }
    worker, events = Worker(**env), Events(**env).start()
    posted, cut_short = [], 0
    try:
        for round_number in range(5):
            post = posts.post_create(author=members[round_number], group=group, body="hi")
            posted.append(post.pk)
            worker.start()

            def started(post_id=post.pk) -> int:
                nudge()
                return FeedEntry.objects.filter(post_id=post_id).count() > 1  # not the author's

            wait_until(started, timeout=120, every=0.2,
                       message=f"no fan-out: {worker.log_tail()}\n{events.log_tail()}")  # fmt: skip
            worker.kill()
            cut_short += FeedEntry.objects.filter(post_id=post.pk).count() < MEMBERS

        worker.start()

        def drained() -> bool:
            nudge()
            return (
                FeedEntry.objects.filter(post_id__in=posted).count() == MEMBERS * len(posted)
                and not FanoutChunk.objects.filter(done_at__isnull=True).exists()
            )

        wait_until(drained, timeout=120, every=0.3, message=f"not drained: {worker.log_tail()}")
        wait_until(lambda: queued_messages() == 0, timeout=60, message="messages left behind")
    finally:
        worker.kill()
        events.kill()

    assert cut_short >= 1  # at least one kill landed in the middle of a fan-out
    for post_id in posted:
        readers = list(FeedEntry.objects.filter(post_id=post_id).values_list("user_id", flat=True))
        assert sorted(readers) == sorted(m.pk for m in members)  # each once, nobody else
    for user in (members[0], members[500], members[-1]):
        assert sorted(cache.cache_entries(user.pk)) == sorted(posted)
        page = client_for(user).get("/api/communities/v1/feed/", {"order": "recent"}).json()
        assert [post["id"] for post in page["results"]] == sorted(posted, reverse=True)
    assert cache.cache_entries(outsider.pk) == []
