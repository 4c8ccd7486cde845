"""Real Celery worker processes, SIGKILLed in the middle of dispatching and consuming, five
times: afterwards every event was applied exactly once, and nothing is left pending."""

import time

import pytest
from django.db import connection

from communities.services import groups, posts
from divan.events import stream
from divan.events.models import OutboxEvent
from divan.events.tasks import consume_events, dispatch_events
from divan.redis import get_redis
from tests.events.processes import Worker, wait_until
from tests.events.tally import TABLE
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "EVENTS_CONSUMERS": "tally",
    "EVENTS_CONSUMER_MODULES": "tests.events.tally",
    "EVENTS_DISPATCH_BATCH": "25",
    "EVENTS_CONSUMER_BATCH": "10",
    "EVENTS_CONSUMER_BLOCK_MS": "200",
    "EVENTS_CONSUMER_RUN_SECONDS": "3",
    "EVENTS_CONSUMER_LOCK_SECONDS": "1",
    "EVENTS_CLAIM_IDLE_MS": "500",
}


@pytest.fixture
def tally_table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, event_id uuid NOT NULL)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def tallied() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def nudge() -> None:
    """What beat does every few seconds: ask for a dispatch and for the consumer's run."""
    dispatch_events.apply_async()
    consume_events.apply_async(args=["tally"])


def test_killed_workers_leave_every_event_applied_exactly_once(settings, tally_table):
    settings.EVENTS_CONSUMERS = ["tally"]
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Killed", visibility="public")
    worker = Worker(**WORKER_ENV)
    try:
        for _ in range(5):
            for n in range(100):
                posts.post_create(author=owner, group=group, body=f"post {n}")
            before = tallied()
            worker.start()

            def progressed(before=before) -> bool:
                nudge()
                time.sleep(0.2)
                return tallied() >= before + 15

            wait_until(progressed, timeout=60, message=f"nothing applied: {worker.log_tail()}")
            worker.kill()  # in the middle of a batch: applied, maybe not yet acknowledged

        written = OutboxEvent.objects.count()
        assert 0 < tallied() < written  # the kills really cut the work short
        worker.start()

        def drained() -> bool:
            nudge()
            time.sleep(0.5)
            pending = get_redis().xpending(stream.stream_key(), "tally")["pending"]
            undispatched = OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
            return tallied() == written and pending == 0 and undispatched == 0

        wait_until(drained, timeout=120, message=f"not drained:\n{worker.log_tail()}")
    finally:
        worker.kill()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_id::text, count(*) FROM {TABLE} GROUP BY event_id")
        applied = dict(cursor.fetchall())
    assert set(applied.values()) == {1}  # none twice
    assert set(applied) == {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)}
