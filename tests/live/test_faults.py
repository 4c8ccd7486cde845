"""A stream under faults: its sign-in ended (a token revoked, a session signed out), a client
that stops reading, Redis restarted under the stream process."""

import http.client

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from divan.authentication import tokens_delete
from live import channels
from live.access import Credential
from live.metrics import counters
from live.server import Stream as ClientStream
from tests.events.processes import RedisServer, Stream, wait_until
from tests.factories import PASSWORD, UserFactory
from tests.live.conftest import SseClient

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_revoked_token_ends_its_stream_at_once_and_may_not_come_back(connect):
    user, neighbour = UserFactory(), UserFactory()
    key = Token.objects.create(user=user).key
    stream = connect(token=key)
    stream.wait_for(1, "ready")
    other = connect(token=Token.objects.create(user=neighbour).key)
    other.wait_for(1, "ready")

    tokens_delete(user_id=user.pk)  # signing out everywhere, as the API's logout does

    assert stream.ended.wait(5), "the stream outlived its token"
    again = connect(token=key)
    assert (again.status, again.body) == (401, {"detail": "Invalid token."})  # as the API says
    channels.publish([neighbour.pk], channels.FEED, {"n": 1})
    assert other.wait_for(1, channels.FEED)[0].data == {"n": 1}  # nobody else's ended


def test_a_signed_out_session_ends_its_stream(connect):
    user = UserFactory()
    browser = Client()
    assert browser.login(username=user.username, password=PASSWORD)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    stream = connect(cookie=cookie)
    stream.wait_for(1, "ready")

    browser.logout()

    assert stream.ended.wait(5), "the stream outlived its session"
    assert connect(cookie=cookie).status == 401


def test_a_client_that_stops_reading_is_dropped_and_delays_no_one(settings):
    """Its socket full, a write waits LIVE_SEND_TIMEOUT_SECONDS and it is dropped (meanwhile
    no more than LIVE_QUEUE_MAX messages wait for it), and the reader beside it gets every
    message meanwhile."""
    user = UserFactory()
    key = Token.objects.create(user=user).key
    server = Stream(LIVE_SEND_TIMEOUT_SECONDS="1", PROCESS_HEARTBEAT_SECONDS="0.2").start()
    try:
        slow = SseClient(server.port, token=key, read=False, receive_buffer=4096)
        fast = SseClient(server.port, token=key)
        fast.wait_for(1, "ready")
        padding = "x" * 16_000
        total = 600  # 9.6 MB: past what the kernel's socket buffers hold for the slow one
        for number in range(1, total + 1):
            channels.publish([user.pk], channels.FEED, {"n": number, "padding": padding})

        fast.wait_for(total, channels.FEED, timeout=30)
        assert [m.data["n"] for m in fast.of(channels.FEED)] == list(range(1, total + 1))
        wait_until(lambda: counters.read().get("dropped") == 1.0, timeout=10,
                   message=f"the slow client was not dropped\n{server.log_tail()}")  # fmt: skip
        with pytest.raises(http.client.IncompleteRead):  # what the kernel held, then cut off
            slow.response.read()
        assert not fast.ended.is_set()
        fast.close()
        slow.close()
    finally:
        server.kill()


def test_redis_restarted_under_the_stream_process_resets_its_clients_who_recover(settings):
    redis_server = RedisServer(persist=False).start()
    settings.REDIS_URL = redis_server.url  # where this test publishes
    user = UserFactory()
    key = Token.objects.create(user=user).key
    server = Stream(REDIS_URL=redis_server.url).start()
    clients = []
    try:
        first = SseClient(server.port, token=key)
        clients.append(first)
        first.wait_for(1, "ready")
        channels.publish([user.pk], channels.FEED, {"n": 1})
        first.wait_for(1, channels.FEED)

        redis_server.shutdown_nosave()
        reset = first.wait_for(1, "reset")[0]
        assert reset.data == {"reason": "redis"}
        assert first.ended.wait(5)
        redis_server.start()  # back, empty

        def resumed():
            client = SseClient(server.port, token=key, last_id=first.last_id)
            clients.append(client)
            return client if client.status == 200 else None

        again = wait_until(resumed, timeout=30, every=0.5, message="the stream did not recover")
        gone = again.wait_for(1)[0]  # its buffer went with Redis: read afresh
        assert (gone.event, gone.data) == ("reset", {"reason": "gone"})
        assert gone.id == channels.position(user.pk)  # the new buffer's beginning
        after = SseClient(server.port, token=key, last_id=gone.id)
        clients.append(after)
        assert after.wait_for(1, "ready")[0].data == {"resumed": True}
        channels.publish([user.pk], channels.FEED, {"n": 2})
        assert after.wait_for(1, channels.FEED)[0].data == {"n": 2}
    finally:
        for client in clients:
            client.close()
        server.kill()
        redis_server.shutdown_nosave()


def test_a_client_too_far_behind_is_marked_for_a_reset_and_holds_nothing_more(settings):
    settings.LIVE_QUEUE_MAX = 3
    stream = ClientStream(Credential(1, "token", "k"), posts=[])  # the process's record of one
    for number in range(1, 4):
        stream.offer(f"{number}-0", "feed", "{}")
    assert (len(stream.queue), stream.overflowed) == (3, False)

    stream.offer("4-0", "feed", "{}")
    stream.offer("5-0", "feed", "{}")

    assert (len(stream.queue), stream.overflowed) == (0, True)  # a reset is all it is owed


def test_what_is_not_a_message_of_ours_resets_no_one(connect):
    """Something else published on the process's channel, a message about no scope of ours:
    the stream process goes on, every client with it."""
    user = UserFactory()
    stream = connect(token=Token.objects.create(user=user).key)
    stream.wait_for(1, "ready")

    channels.get_redis().publish(channels.channel("process"), "hello")
    channels.publish([user.pk], channels.FEED, {"n": 1}, about={"group": "no group"})
    channels.publish([user.pk], channels.FEED, {"n": 2})

    assert [m.data for m in stream.wait_for(1, channels.FEED)] == [{"n": 2}]
    assert [m.event for m in stream.messages] == ["ready", channels.FEED]  # no reset
    assert not stream.ended.is_set()
