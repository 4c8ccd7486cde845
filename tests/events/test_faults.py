"""Redis down while events are written and dispatched: the API keeps answering writes, the
outbox keeps every event, and once Redis is back every one of them reaches the stream; Redis
back empty after a dispatch: the events it lost are sent again. The test
runs a redis-server of its own on a free port, and stops and restarts that one."""

import logging

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from communities.services import groups, membership, posts
from divan.events import stream
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.events.models import OutboxEvent
from divan.events.tasks import dispatch_events
from divan.redis import get_redis
from feeds.models import FeedEntry
from tests.events.processes import Beat, Events, RedisServer, Worker, wait_until
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for, metrics_scrape

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis(settings):
    server = RedisServer().start()
    settings.REDIS_URL = server.url  # the events' Redis (the Celery broker stays the shared one)
    yield server
    server.remove()


def test_writes_go_on_while_redis_is_down_and_every_event_reaches_the_stream(own_redis, caplog):
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    client = client_for(owner)
    url = f"/api/communities/v1/groups/{group.pk}/posts/"

    assert client.post(url, {"body": "before"}, format="json").status_code == 201
    assert outbox_dispatch() == 3

    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        codes = [client.post(url, {"body": f"down {n}"}, format="json").status_code
                 for n in range(5)]  # fmt: skip
        assert dispatch_events() == 0  # Redis unreachable: logged, nothing marked
    assert codes == [201] * 5
    assert "could not ask for a dispatch" in caplog.text
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 5
    with pytest.raises(redis.ConnectionError):
        outbox_dispatch()

    own_redis.start()  # with what it held before (its append-only file)
    assert outbox_dispatch() == 5

    in_stream = [fields["event_id"] for _, fields in get_redis().xrange(stream.stream_key())]
    in_outbox = [
        str(e) for e in OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)
    ]
    assert in_stream == in_outbox  # every event, once, in order


def test_with_redis_down_an_idempotent_create_is_refused_with_503_and_writes_nothing(own_redis):
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    own_redis.stop()
    before = OutboxEvent.objects.count()

    response = client_for(owner).post(
        f"/api/communities/v1/groups/{group.pk}/posts/",
        {"body": "once"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert response.status_code == 503
    assert response.json() == {
        "detail": "A service Divan needs for this request is unavailable; try again shortly."
    }
    assert group.posts.count() == 0 and OutboxEvent.objects.count() == before


@pytest.mark.parametrize("comes_back", ["empty", "from an older snapshot"])
def test_events_dispatched_into_a_redis_that_loses_them_are_sent_again(settings, comes_back):
    """Dispatched (XADD, marked), then Redis restarts without them before any consumer read
    them, empty or as an older snapshot had it: the outbox is the truth, so dispatch finds the
    stream's mark below the outbox's, sends again every event not applied by every consumer,
    and the loss shows on /metrics."""
    server = RedisServer(persist=comes_back != "empty").start()
    settings.REDIS_URL = server.url
    settings.EVENTS_CONSUMERS = ["search", "feeds"]
    settings.COMMUNITIES_WORKERS_ENABLED = False  # no kicks to the shared broker from here
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Harbour", visibility="public")
    members = [owner, *UserFactory.create_batch(7)]
    for user in members[1:]:
        membership.group_join(user=user, group=group)
    make_active(members)
    outbox_dispatch()
    for name in settings.EVENTS_CONSUMERS:  # the group's events applied: only the posts wait
        consumer_run(name, seconds=30, block_ms=0, until_idle=True)
    if comes_back != "empty":
        server.stop()
        snapshot = server.snapshot()
        server.start()
    post_ids = [
        posts.post_create(author=members[n % 8], group=group, body=f"harbour light {n}").pk
        for n in range(10)
    ]
    assert outbox_dispatch() == 10
    if comes_back == "empty":
        server.shutdown_nosave()
    else:
        server.stop()
        server.restore(snapshot)  # the stream, its groups and its mark as they were before
    server.start()
    env = {
        "REDIS_URL": server.url, "CELERY_BROKER_URL": server.url,
        "CELERY_RESULT_BACKEND": server.url, "EVENTS_CONSUMERS": "search,feeds",
        "EVENTS_DISPATCH_INTERVAL_SECONDS": "0.5",
    }  # fmt: skip
    processes = [Worker(**env), Beat(**env), Events(**env)]
    client = client_for(members[3])
    try:
        for process in processes:
            process.start()

        def recovered() -> bool:
            found = client.get("/api/communities/v1/search/", {"q": "harbour"}).json()["results"]
            rows = FeedEntry.objects.filter(post_id__in=post_ids).count()
            return sorted(hit["id"] for hit in found) == sorted(post_ids) and rows == 80

        wait_until(recovered, timeout=60, every=0.2, message="\n".join(
            process.log_tail() for process in processes))  # fmt: skip
        metrics = metrics_scrape().content.decode()
        figures = {
            sample.name: sample.value
            for family in text_string_to_metric_families(metrics)
            for sample in family.samples
        }
        assert figures["divan_events_stream_losses_total"] == 1
        assert figures["divan_events_resent_total"] == 10
    finally:
        for process in processes:
            process.kill()
        server.remove()
