"""Dispatch, trimming and consumers against the real Redis (this run's own keys) and the real
PostgreSQL: events reach the stream once in the normal case, failures back off and are set
aside, trimming never passes an unacknowledged entry, and consumers apply each event once."""

import io
import logging
import threading

import pytest
import redis
from django.core.management import call_command

from communities.services import groups, posts
from divan.events import dispatch, stream
from divan.events.consumers import (
    ConsumerRun,
    consumer,
    consumer_run,
    dead_letter_replay,
    dead_letters,
)
from divan.events.dispatch import outbox_dispatch, outbox_retry_set_aside
from divan.events.models import OutboxEvent, ProcessedEvent, StreamOffset
from divan.events.tasks import dispatch_events
from divan.redis import get_redis
from tests.factories import UserFactory

APPLIED: list[tuple[str, str]] = []  # (event type, event id), as the test consumer applied them
POISON: set[str] = set()  # event ids the test consumer fails on


@consumer("recorder")
def _recorder(event) -> None:
    if event.event_id in POISON:
        raise RuntimeError(f"poisoned {event.event_id}")
    APPLIED.append((event.type, event.event_id))


@pytest.fixture(autouse=True)
def _consumers(settings):
    settings.EVENTS_CONSUMERS = ["recorder"]
    settings.EVENTS_CLAIM_IDLE_MS = 0  # what failed is claimed again by the next step
    APPLIED.clear()
    POISON.clear()


def make_events(count: int) -> list[str]:
    """`count` post.created events (and the group's own two first); their event ids, in order."""
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    for n in range(count):
        posts.post_create(author=owner, group=group, body=f"post {n}")
    return [str(e) for e in OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)]


def stream_event_ids() -> list[str]:
    return [fields["event_id"] for _, fields in get_redis().xrange(stream.stream_key())]


@pytest.mark.django_db
def test_dispatch_sends_each_pending_event_once_in_id_order():
    ids = make_events(5)

    assert outbox_dispatch(batch_size=3) == 7
    assert outbox_dispatch() == 0

    assert stream_event_ids() == ids
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}
    (_, fields) = get_redis().xrange(stream.stream_key(), count=1)[0]
    assert fields["type"] == "group.created" and fields["outbox_id"].isdigit()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("connection_heavy")
def test_dispatchers_running_at_once_send_each_event_once():
    ids = make_events(300)
    barrier = threading.Barrier(4)

    def dispatch() -> int:
        from django.db import connection

        try:
            barrier.wait(timeout=30)
            return outbox_dispatch(batch_size=20)
        finally:
            connection.close()

    threads_sent = []
    threads = [threading.Thread(target=lambda: threads_sent.append(dispatch())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(threads_sent) == len(ids)
    assert sorted(stream_event_ids()) == sorted(ids)


@pytest.mark.django_db
def test_an_event_redis_refuses_backs_off_and_is_set_aside_without_blocking(settings, monkeypatch):
    settings.EVENTS_DISPATCH_MAX_ATTEMPTS = 2
    settings.EVENTS_RETRY_BASE_SECONDS = 0
    ids = make_events(1)
    client = get_redis()
    client.set(stream.stream_key(), "not a stream")  # every XADD fails with WRONGTYPE
    # the key is no stream, so it can have no group either
    monkeypatch.setattr(stream, "groups_ensure", lambda client=None: None)

    assert outbox_dispatch() == 0
    first = OutboxEvent.objects.order_by("id").first()
    assert (first.attempts, first.set_aside_at) == (1, None)
    assert first.last_error.startswith("ResponseError: WRONGTYPE")
    assert outbox_dispatch() == 0
    monkeypatch.undo()
    assert OutboxEvent.objects.filter(set_aside_at__isnull=False).count() == len(ids)

    client.delete(stream.stream_key())
    later = make_events(1)[len(ids) :]
    assert outbox_dispatch() == len(later)  # the set-aside ones stay aside
    assert stream_event_ids() == later

    assert outbox_retry_set_aside() == len(ids)  # after the fix, an operator sends them again
    assert outbox_dispatch() == len(ids)
    assert stream_event_ids() == later + ids


@pytest.mark.django_db
def test_trimming_keeps_what_a_slow_consumer_has_not_acknowledged(settings):
    settings.EVENTS_CONSUMERS = ["recorder", "slow"]
    make_events(8)
    outbox_dispatch()
    client = get_redis()
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)  # acknowledges all 10
    slow = client.xreadgroup("slow", "s1", {stream.stream_key(): ">"}, count=4)[0][1]
    client.xack(stream.stream_key(), "slow", slow[0][0], slow[1][0])  # 2 of its 4 only

    removed = stream.stream_trim()

    assert removed == 2  # the two the slow group acknowledged; its pending two stay
    remaining = [entry_id for entry_id, _ in client.xrange(stream.stream_key())]
    assert remaining[0] == slow[2][0] and len(remaining) == 8
    assert len(APPLIED) == 10


@pytest.mark.django_db
def test_a_consumer_applies_an_event_sent_twice_once():
    ids = make_events(3)
    outbox_dispatch()
    OutboxEvent.objects.update(dispatched_at=None)  # as if the dispatcher died before its mark
    outbox_dispatch()
    assert len(stream_event_ids()) == 2 * len(ids)

    report = consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)

    assert [event_id for _, event_id in APPLIED] == ids
    assert (report.applied, report.duplicates) == (len(ids), len(ids))
    assert ProcessedEvent.objects.filter(consumer="recorder").count() == len(ids)
    offset = StreamOffset.objects.get(consumer="recorder")
    assert (offset.processed, offset.lag, offset.pending) == (len(ids), 0, 0)
    assert offset.last_acked_id == get_redis().xrange(stream.stream_key())[-1][0]


@pytest.mark.django_db
def test_poison_events_go_to_the_dead_letters_without_blocking_the_rest(settings, caplog):
    settings.EVENTS_MAX_DELIVERIES = 3
    ids = make_events(4)
    poison = [ids[2], ids[4]]
    POISON.update(poison)
    outbox_dispatch()
    run = ConsumerRun("recorder")

    with caplog.at_level(logging.CRITICAL):
        for _ in range(4):  # delivered 3 times and failing; the 4th claim sets them aside
            run.step(block_ms=0)

    assert [event_id for _, event_id in APPLIED] == [i for i in ids if i not in poison]
    letters = dead_letters(consumer="recorder")
    assert [(f["event_id"], f["deliveries"]) for _, f in letters] == [(p, "4") for p in poison]
    for _, fields in letters:  # each with its own error
        assert fields["error"].endswith(f"RuntimeError: poisoned {fields['event_id']}")
    assert get_redis().xpending(stream.stream_key(), "recorder")["pending"] == 0
    offset = StreamOffset.objects.get(consumer="recorder")
    assert (offset.dead_letters, offset.redeliveries) == (2, 6)

    POISON.clear()  # fixed
    dead_id = letters[0][0]
    assert dead_letter_replay(dead_id) is True
    assert APPLIED[-1][1] == poison[0] and len(APPLIED) == len(ids) - 1
    assert [f["event_id"] for _, f in dead_letters()] == [poison[1]]
    with pytest.raises(ValueError):
        dead_letter_replay(dead_id)


@pytest.mark.django_db
def test_the_switch_off_stops_dispatch_and_consumption_and_on_drains_in_order(settings, caplog):
    ids = make_events(3)
    settings.COMMUNITIES_WORKERS_ENABLED = False

    with caplog.at_level(logging.INFO, logger="divan.workers"):
        assert dispatch_events() == 0
    for argv in (["recorder"], ["--all", "--seconds", "0.1"]):  # by hand, and the events process
        out = io.StringIO()
        call_command("consume_events", *argv, stdout=out)
        assert out.getvalue() == "COMMUNITIES_WORKERS_ENABLED is false: not consuming.\n"
    assert "events.dispatch: COMMUNITIES_WORKERS_ENABLED is false; doing nothing" in caplog.text
    assert APPLIED == []
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == len(ids)
    assert get_redis().exists(stream.stream_key()) == 0

    settings.COMMUNITIES_WORKERS_ENABLED = True
    assert dispatch_events() == len(ids)
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    assert [event_id for _, event_id in APPLIED] == ids


@pytest.mark.django_db
def test_dispatch_with_redis_unreachable_leaves_the_outbox_as_it_was(settings):
    ids = make_events(2)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with pytest.raises(redis.ConnectionError):
        outbox_dispatch()
    assert dispatch_events() == 0  # the task says so in the log, and waits for the next run

    assert list(OutboxEvent.objects.values_list("attempts", "dispatched_at")) == [(0, None)] * len(
        ids
    )


@pytest.mark.django_db
def test_purge_deletes_dispatched_events_and_records_past_the_retention_only(settings):
    from datetime import timedelta

    from django.utils import timezone

    from divan.events.dispatch import outbox_purge

    settings.EVENTS_RETENTION_DAYS = 7
    ids = make_events(3)
    outbox_dispatch()
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    make_events(1)  # three more, pending: no retention removes those
    old = timezone.now() - timedelta(days=8)
    OutboxEvent.objects.filter(event_id__in=ids[:2]).update(dispatched_at=old, created_at=old)
    ProcessedEvent.objects.filter(event_id__in=ids[:3]).update(processed_at=old)

    assert outbox_purge(batch_size=1) == 2 + 3

    left = [str(e) for e in OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)]
    assert left[:3] == ids[2:] and len(left) == len(ids) - 2 + 3
    assert ProcessedEvent.objects.filter(consumer="recorder").count() == len(ids) - 3


@pytest.mark.django_db(transaction=True)
def test_a_commit_asks_for_one_dispatch_until_a_dispatch_starts(settings):
    """The kick after each commit: one Celery message while a dispatch is asked for and has not
    started, a new one once it has; none, only the count, while the switch is off."""
    client = get_redis()
    queue = f"{settings.REDIS_KEY_PREFIX}:celery:{settings.CELERY_TASK_DEFAULT_QUEUE}"
    client.delete(queue)

    make_events(2)  # four commits: the group (with its owner) and two posts
    assert (client.llen(queue), client.exists(stream.kick_key())) == (1, 1)
    outbox_dispatch()  # a dispatch starts: the next commit asks again
    assert client.exists(stream.kick_key()) == 0
    make_events(1)
    assert client.llen(queue) == 2

    settings.COMMUNITIES_WORKERS_ENABLED = False
    outbox_dispatch()
    make_events(1)
    assert (client.llen(queue), client.exists(stream.kick_key())) == (2, 0)
    assert client.hget(stream.stats_key(), "written:post.created") == "4"
    client.delete(queue)


@pytest.mark.django_db
def test_a_redis_that_lost_its_stream_gets_every_unapplied_event_again_and_only_those():
    ids = make_events(3)  # the group's two, and three posts
    outbox_dispatch()
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    more = make_events(2)[len(ids) :]  # another group's two and two posts: dispatched, not read
    assert outbox_dispatch() == 4
    client = get_redis()
    client.delete(stream.stream_key(), stream.high_water_key())  # Redis restarted empty

    assert outbox_dispatch() == 4  # only what the consumer had not applied
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)

    assert [event_id for _, event_id in APPLIED] == ids + more
    assert client.hget(stream.stats_key(), "stream_losses") == "1"
    assert client.hget(stream.stats_key(), "resent") == "4"
    assert outbox_dispatch() == 0  # the mark is back: no loss twice
    assert client.hget(stream.stats_key(), "stream_losses") == "1"


@pytest.mark.django_db
def test_a_repair_cut_short_is_done_again_by_the_next_dispatch(monkeypatch):
    ids = make_events(1)
    outbox_dispatch()
    get_redis().delete(stream.stream_key(), stream.high_water_key())

    def cut_short(**bounds):
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "outbox_resend_unapplied", cut_short)
        with pytest.raises(RuntimeError):
            outbox_dispatch()
    assert get_redis().zscore(stream.high_water_key(), "id") is None  # not marked as repaired

    assert outbox_dispatch() == len(ids)
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    assert [event_id for _, event_id in APPLIED] == ids


@pytest.mark.django_db
def test_a_stream_read_before_marks_existed_gets_its_mark_without_a_resend():
    make_events(2)
    outbox_dispatch()
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    client = get_redis()
    client.delete(stream.high_water_key())  # as Divan left it before the mark
    APPLIED.clear()

    assert outbox_dispatch() == 0
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)

    assert APPLIED == []
    assert client.zscore(stream.high_water_key(), "id") == OutboxEvent.objects.latest("id").pk
    assert client.hget(stream.stats_key(), "stream_losses") is None
