"""Resuming a stream (Last-Event-ID): exactly what was missed, in order, or a reset when it is
gone; never a message twice, never one lost while the client reconnects."""

import threading

import pytest
from rest_framework.authtoken.models import Token

from live import channels
from tests.events.processes import Stream, wait_until
from tests.factories import UserFactory
from tests.live.conftest import SseClient

pytestmark = [pytest.mark.django_db(transaction=True)]


def token_for(user) -> str:
    return Token.objects.create(user=user).key


def burst(user, numbers) -> None:
    """Messages numbered `numbers` for `user`, about nothing but themselves."""
    for number in numbers:
        channels.publish([user.pk], channels.FEED, {"n": number})


def numbers(client, event=channels.FEED) -> list[int]:
    return [message.data["n"] for message in client.of(event)]


def test_a_client_dropped_mid_burst_gets_exactly_the_rest_in_order(connect):
    user = UserFactory()
    token = token_for(user)
    first = connect(token=token)
    ready = first.wait_for(1, "ready")[0]
    assert (ready.data, ready.id) == ({"resumed": False}, channels.position(user.pk))

    burst(user, range(1, 6))
    first.wait_for(5, channels.FEED)
    first.close()  # dropped after the fifth
    burst(user, range(6, 21))  # while it is away

    again = connect(token=token, last_id=first.last_id)
    again.wait_for(16)  # ready and the fifteen it missed
    assert again.messages[0].event == "ready"
    assert again.messages[0].data == {"resumed": True}
    assert numbers(first) == [1, 2, 3, 4, 5]
    assert numbers(again) == list(range(6, 21))
    ids = [message.id for message in again.of(channels.FEED)]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-")))) and len(set(ids)) == 15

    burst(user, [21])  # and it goes on live
    again.wait_for(16, channels.FEED)
    assert numbers(again) == list(range(6, 22))


def test_a_fresh_stream_resumes_from_the_id_its_query_names(connect):
    """What a page does when it opens a stream for other posts: no header, the id in the query
    (the header, which EventSource sends when it reconnects by itself, wins)."""
    user = UserFactory()
    token = token_for(user)
    first = connect(token=token)
    first.wait_for(1, "ready")
    burst(user, [1, 2])
    first.wait_for(2, channels.FEED)
    first.close()
    burst(user, [3, 4])

    again = connect(token=token, query_last_id=first.last_id, posts=[5])
    again.wait_for(3)
    assert again.messages[0].data == {"resumed": True}
    assert numbers(again) == [3, 4]
    both = connect(token=token, last_id=again.last_id, query_last_id=first.last_id)
    assert both.wait_for(1)[0].data == {"resumed": True}
    burst(user, [5])
    assert [m.data["n"] for m in both.wait_for(1, channels.FEED)] == [5]  # not 3 and 4 again


def test_a_client_whose_missed_messages_are_gone_gets_a_reset_then_goes_on(connect, settings):
    settings.LIVE_BUFFER_LENGTH = 5  # what the publisher keeps (the test publishes)
    user = UserFactory()
    token = token_for(user)
    first = connect(token=token)
    first.wait_for(1, "ready")
    burst(user, [1])
    first.wait_for(1, channels.FEED)
    first.close()
    burst(user, range(2, 12))  # ten missed: the buffer keeps five

    again = connect(token=token, last_id=first.last_id)
    reset = again.wait_for(1, "reset")[0]
    assert reset.data == {"reason": "gone"}
    assert again.ended.wait(5)  # the server closes; the browser comes back with the reset's id
    assert [message.event for message in again.messages] == ["reset"]

    after = connect(token=token, last_id=reset.id)
    assert after.wait_for(1, "ready")[0].data == {"resumed": True}
    burst(user, [12])
    after.wait_for(1, channels.FEED)
    assert numbers(after) == [12]


@pytest.mark.parametrize("last_id", ["12-0", "not-an-id", "99999999999999-0"])
def test_an_id_the_buffer_never_held_is_a_reset(connect, last_id):
    user = UserFactory()
    burst(user, [1, 2])

    client = connect(token=token_for(user), last_id=last_id)

    assert [m.event for m in client.wait_for(1)] == ["reset"]
    assert client.of("reset")[0].data == {"reason": "gone"}


def test_the_buffer_expired_or_lost_is_a_reset(connect):
    user = UserFactory()
    token = token_for(user)
    first = connect(token=token)
    first.wait_for(1, "ready")
    burst(user, [1])
    first.wait_for(1, channels.FEED)
    first.close()
    channels.get_redis().delete(channels.buffer_key(user.pk))  # what a flush or expiry does

    again = connect(token=token, last_id=first.last_id)

    assert [m.event for m in again.wait_for(1)] == ["reset"]
    begun = again.of("reset")[0].id  # a new buffer, begun
    assert begun == channels.position(user.pk) != first.last_id
    after = connect(token=token, last_id=begun)  # and from there on, whole
    assert after.wait_for(1, "ready")[0].data == {"resumed": True}


def test_reconnecting_while_messages_are_published_loses_none_and_repeats_none(connect):
    """The resume race: messages published while a reconnecting client reads its backlog are
    read one way or the other, once. Each round of forty is published as the client drops
    and comes back."""
    user = UserFactory()
    token = token_for(user)
    rounds, size = 10, 40
    reconnecting = threading.Semaphore(0)

    def publish_rounds() -> None:
        for round_ in range(rounds):
            assert reconnecting.acquire(timeout=10), "the client did not come back"
            burst(user, range(round_ * size + 1, (round_ + 1) * size + 1))

    client = connect(token=token)
    client.wait_for(1, "ready")
    publishing = threading.Thread(target=publish_rounds)
    publishing.start()
    received: list[int] = []
    for _ in range(rounds):
        client.close()
        assert client.ended.wait(5)  # what it read is what it has: it resumes after the last
        received += numbers(client)
        last = client.last_id
        reconnecting.release()  # the next round goes out while it reconnects
        client = connect(token=token, last_id=last)
        client.wait_for(1)
    publishing.join()

    def everything() -> bool:
        return (received + numbers(client))[-1:] == [rounds * size]

    wait_until(everything, timeout=10, message="the last message did not arrive")
    received += numbers(client)
    assert received == list(range(1, rounds * size + 1))


def test_a_connected_persons_buffer_is_kept_and_begun_when_they_had_none():
    user = UserFactory()
    server = Stream(PROCESS_HEARTBEAT_SECONDS="0.2").start()
    try:
        client = SseClient(server.port, token=token_for(user))
        ready = client.wait_for(1, "ready")[0]
        redis_client = channels.get_redis()
        key = channels.buffer_key(user.pk)
        begun = redis_client.xrange(key)
        assert [(entry_id, fields["kind"]) for entry_id, fields in begun] == [(ready.id, "begin")]

        redis_client.expire(key, 5)  # as if LIVE_BUFFER_SECONDS had nearly passed

        wait_until(lambda: redis_client.ttl(key) > 5, timeout=10, message="the buffer would expire")
        assert client.of("begin") == []  # never sent
        client.close()
    finally:
        server.kill()
