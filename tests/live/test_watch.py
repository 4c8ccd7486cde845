"""The hub's watch loop (live/server.py, Hub._watch): a stream with nothing to send gets a
comment line every LIVE_HEARTBEAT_SECONDS, and a client that reads nothing is dropped once a
write to it has waited LIVE_SEND_TIMEOUT_SECONDS, while the other streams go on."""

import pytest
from rest_framework.authtoken.models import Token

from live import channels
from live.metrics import counters
from tests.events.processes import Stream, wait_until
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def stream_server(django_db_setup, django_db_blocker):
    """A stream process whose clocks run in seconds, and that drops no client as slow."""
    with django_db_blocker.unblock():
        server = Stream(LIVE_HEARTBEAT_SECONDS="1", LIVE_SEND_TIMEOUT_SECONDS="1",
                        LIVE_QUEUE_MAX="100000", PROCESS_HEARTBEAT_SECONDS="1").start()  # fmt: skip
    yield server
    server.kill()


def token_for(user) -> str:
    return Token.objects.create(user=user).key


def test_an_idle_stream_gets_a_comment_line_every_heartbeat(connect):
    client = connect(token=token_for(UserFactory()))
    client.wait_for(1, "ready")

    wait_until(lambda: client.comments >= 3, timeout=6, message="three comment lines")

    assert [message.event for message in client.messages] == ["ready"]


def test_a_client_that_reads_nothing_is_dropped_and_the_others_go_on(connect):
    stalled, reader = UserFactory(), UserFactory()
    client = connect(token=token_for(reader))
    connect(token=token_for(stalled), read=False, receive_buffer=4096)
    client.wait_for(1, "ready")
    dropped = counters.read().get("dropped", 0)

    padding = "x" * 100_000  # 10 MB in all: more than the sockets' buffers hold
    for number in range(100):
        channels.publish([stalled.pk], channels.FEED, {"n": number, "padding": padding})

    wait_until(lambda: counters.read().get("dropped", 0) > dropped, timeout=15,
               message="the stalled client dropped")  # fmt: skip
    channels.publish([reader.pk], channels.FEED, {"n": 1})
    assert client.wait_for(1, channels.FEED)[0].data == {"n": 1}
