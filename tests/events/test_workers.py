"""The events process and the worker SIGKILLed in the middle of dispatching and consuming, five
times, with beat dispatching as it does in production: afterwards every event was applied
exactly once, nothing is left pending, and no Celery message is left behind."""

import pytest
from django.db import connection

from communities.services import groups, posts
from divan.events import stream
from divan.events.models import OutboxEvent
from divan.redis import get_redis
from tests.events.conftest import tallied
from tests.events.processes import Beat, Events, Worker, queued_messages, wait_until
from tests.events.tally import TABLE
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ENV = {
    "EVENTS_CONSUMERS": "tally",
    "EVENTS_CONSUMER_MODULES": "tests.events.tally",
    "EVENTS_DISPATCH_INTERVAL_SECONDS": "0.5",
    "EVENTS_DISPATCH_BATCH": "25",
    "EVENTS_CONSUMER_BATCH": "10",
    "EVENTS_CONSUMER_BLOCK_MS": "200",
    "EVENTS_CONSUMER_LOCK_SECONDS": "1",
    "EVENTS_CLAIM_IDLE_MS": "500",
}


def test_killed_processes_leave_every_event_applied_exactly_once(settings, tally_table):
    settings.EVENTS_CONSUMERS = ["tally"]
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Killed", visibility="public")
    beat, worker, events = Beat(**ENV).start(), Worker(**ENV), Events(**ENV)
    logs = lambda: "\n".join(p.log_tail() for p in (beat, worker, events))  # noqa: E731
    try:
        for _ in range(5):
            for n in range(100):
                posts.post_create(author=owner, group=group, body=f"post {n}")
            before = tallied()
            worker.start()
            events.start()
            wait_until(lambda before=before: tallied() >= before + 15, timeout=60,
                       message=f"nothing applied:\n{logs()}")  # fmt: skip
            events.kill()  # in the middle of a batch: applied, maybe not yet acknowledged
            worker.kill()  # maybe in the middle of a dispatch

        written = OutboxEvent.objects.count()
        assert 0 < tallied() < written  # the kills really cut the work short
        worker.start()
        events.start()

        def drained() -> bool:
            pending = get_redis().xpending(stream.stream_key(), "tally")["pending"]
            undispatched = OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
            return tallied() == written and pending == 0 and undispatched == 0

        wait_until(drained, timeout=120, message=f"not drained:\n{logs()}")
        beat.kill()  # nothing asks for a dispatch any more: the worker empties its queue
        wait_until(lambda: queued_messages() == 0, timeout=60, message="messages left behind")
    finally:
        for process in (beat, worker, events):
            process.kill()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_id::text, count(*) FROM {TABLE} GROUP BY event_id")
        applied = dict(cursor.fetchall())
    assert set(applied.values()) == {1}  # none twice
    assert set(applied) == {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)}
