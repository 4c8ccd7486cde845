"""Redis down while events are written and dispatched: the API keeps answering writes, the
outbox keeps every event, and once Redis is back every one of them reaches the stream. The test
runs a redis-server of its own on a free port, and stops and restarts that one."""

import logging

import pytest
import redis

from communities.services import groups
from divan.events import stream
from divan.events.dispatch import outbox_dispatch
from divan.events.models import OutboxEvent
from divan.events.tasks import dispatch_events
from divan.redis import get_redis
from tests.events.processes import RedisServer
from tests.factories import UserFactory
from tests.fixtures import client_for

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
