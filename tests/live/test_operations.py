"""What operators see of a real stream process: its open streams and what it sent, exactly, on
/metrics; the process itself on /readyz and `divan_processes` while it runs, and gone at once when
it stops; and the endpoint's refusals, in the API's shape, leaving nothing counted as open."""

import http.client
import json
import signal
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from divan.processes import STREAM, process_key
from divan.redis import get_redis
from live import channels
from live.metrics import COUNTERS, connections_key, stats_key
from tests.events.processes import Stream, wait_until
from tests.factories import UserFactory
from tests.fixtures import metrics_scrape
from tests.live.conftest import SseClient

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# every figure of the stream processes and the live consumer, by its name on /metrics
COUNTED = [f"{name}_total" for name, _help in COUNTERS.values()]
GAUGE = "divan_live_connections"
PROCESSES = 'divan_processes{process="stream"}'


def token_for(user) -> str:
    return Token.objects.create(user=user).key


def figures() -> dict[str, float]:
    """The live figures on /metrics, and how many stream processes it sees alive."""
    body = metrics_scrape().content.decode()
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == GAUGE or sample.name in COUNTED:
                found[sample.name] = sample.value
            elif sample.name == "divan_processes" and sample.labels["process"] == STREAM:
                found[PROCESSES] = sample.value
    return found


def readyz_stream() -> str:
    return Client().get("/readyz").json()["processes"][STREAM]


def wait_for_figures(before: dict, *, connections: int, **moved: int) -> None:
    """Until /metrics shows exactly `connections` open and each counter moved by exactly its
    amount since `before` (the others by none). Counters only grow: one that overshot never
    matches."""
    want = {name: 0 for name in COUNTED} | {f"divan_live_{k}_total": v for k, v in moved.items()}
    seen = []

    def exact() -> bool:
        now = figures()
        seen[:] = [now[GAUGE], {name: now[name] - before[name] for name in COUNTED}]
        return seen == [connections, want]

    try:
        wait_until(exact, timeout=10, message="the figures")
    except AssertionError as timed_out:
        raise AssertionError(f"{timed_out}: wanted {[connections, want]}, saw {seen}") from None


def start_stream(**env: str) -> Stream:
    """A stream process of the test's own that beats and reports five times a second, the only
    one this run's figures count (a previous module's, killed, may have left its beat)."""
    get_redis().delete(process_key(STREAM), connections_key())
    return Stream(PROCESS_HEARTBEAT_SECONDS="0.2", **env).start()


def subscribers(user) -> int:
    """Stream processes subscribed to the person's channel."""
    return get_redis().pubsub_numsub(channels.channel(user.pk))[0][1]


def answer(port: int, method: str, path: str, headers=None):
    """One plain request: (status, JSON body, headers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read()), response
    finally:
        connection.close()


def test_publish_counts_at_once_what_it_wrote_and_what_reached_a_stream_process():
    """Counted in Redis as it publishes, not held for the next publish (a quiet site's last
    messages would be missing from /metrics); reached: a subscriber (a stream process holding
    the person's stream) got it."""
    away, connected = UserFactory(), UserFactory()
    listener = get_redis().pubsub()
    listener.subscribe(channels.channel(connected.pk))
    wait_until(lambda: subscribers(connected) == 1, timeout=5, message="not subscribed")
    try:
        assert channels.publish([away.pk, connected.pk], channels.FEED, {"n": 1}) == 2
        assert channels.publish([connected.pk], channels.FEED, {"n": 2}) == 1

        assert get_redis().hgetall(stats_key()) == {"published": "3", "published_connected": "2"}
    finally:
        listener.close()


def test_a_stream_process_on_metrics_and_readyz_from_start_to_a_clean_stop():
    process = start_stream()
    try:
        wait_until(lambda: readyz_stream() == "ok" and figures()[PROCESSES] == 1, timeout=10,
                   message=f"the stream process is not seen:\n{process.log_tail()}")  # fmt: skip
        before = figures()
        assert before[GAUGE] == 0
        reader, other = UserFactory(), UserFactory()
        reader_token, other_token = token_for(reader), token_for(other)

        first = SseClient(process.port, token=reader_token)
        second = SseClient(process.port, token=other_token)
        first.wait_for(1, "ready")
        second.wait_for(1, "ready")
        wait_for_figures(before, connections=2, connections_opened=2)

        for n in range(3):
            channels.publish([reader.pk], channels.FEED, {"n": n})
        for n in range(2):
            channels.publish([other.pk], channels.FEED, {"n": n})
        first.wait_for(3, channels.FEED)
        second.wait_for(2, channels.FEED)
        wait_for_figures(before, connections=2, connections_opened=2, published=5,
                         published_connected=5, messages_sent=5)  # fmt: skip

        # the reader goes away; two messages wait in their buffer; they come back for them
        first.close()
        wait_until(lambda: subscribers(reader) == 0, timeout=5, message="still subscribed")
        for n in range(3, 5):
            channels.publish([reader.pk], channels.FEED, {"n": n})
        again = SseClient(process.port, token=reader_token, last_id=first.last_id)
        assert again.wait_for(1, "ready")[0].data == {"resumed": True}
        assert [m.data["n"] for m in again.wait_for(2, channels.FEED)] == [3, 4]
        wait_for_figures(before, connections=2, connections_opened=3, published=7,
                         published_connected=5, messages_sent=7, resumes=1)  # fmt: skip

        # a position the buffer never held: a reset, and the stream ends
        lost = SseClient(process.port, token=other_token, last_id="not-an-id")
        assert [m.event for m in lost.wait_for(1)] == ["reset"]
        assert lost.ended.wait(5)
        wait_for_figures(before, connections=2, connections_opened=4, published=7,
                         published_connected=5, messages_sent=7, resumes=1, resets=1)  # fmt: skip

        again.close()
        wait_for_figures(before, connections=1, connections_opened=4, published=7,
                         published_connected=5, messages_sent=7, resumes=1, resets=1)  # fmt: skip

        # stopped with a stream open: the stream ends at once, not cancelled after uvicorn's
        # --timeout-graceful-shutdown; uvicorn ends the lifespan, then exits as SIGTERM asks
        # (it raises the signal again: the exit status of a process SIGTERM ended)
        assert process.stop(timeout=10) == -signal.SIGTERM
        assert second.ended.wait(5)
        assert [m.event for m in second.messages] == ["ready", channels.FEED, channels.FEED]
        log = Path(process.log_path).read_text()
        assert "Traceback" not in log and "ERROR" not in log, log
        # gone at once, not once its beat is stale: none running, nothing counted
        assert readyz_stream() == "absent: none running"
        after = figures()
        assert (after[PROCESSES], after[GAUGE]) == (0, 0)
        assert get_redis().hgetall(connections_key()) == {}
    finally:
        process.kill()


def test_the_refusals_answer_as_the_api_does_and_leave_nothing_counted_open():
    process = start_stream(LIVE_CONNECTIONS_PER_USER="2", LIVE_CONNECTIONS_PER_PROCESS="3")
    port = process.port
    clients = []
    try:
        wait_until(lambda: figures()[PROCESSES] == 1, timeout=10,
                   message=f"the stream process is not seen:\n{process.log_tail()}")  # fmt: skip
        before = figures()
        api = "/api/communities/v1/notifications/unread/"

        # no credentials, and a token that signs nobody in: the API's 401s, header and all
        for headers in ({}, {"Authorization": "Token not-a-token"}):
            status, body, response = answer(port, "GET", "/api/stream/", headers)
            expected = Client().get(api, headers=headers)
            assert (status, body) == (401, expected.json())
            assert response.getheader("WWW-Authenticate") == expected["WWW-Authenticate"]
        assert body == {"detail": "Invalid token."}

        heavy, light, late = UserFactory(), UserFactory(), UserFactory()
        heavy_token = token_for(heavy)
        status, body, _ = answer(
            port, "GET", "/api/streams/", {"Authorization": f"Token {heavy_token}"}
        )
        assert (status, body) == (404, {"detail": "Not found."})
        status, body, response = answer(port, "POST", "/api/stream/",
                                        {"Authorization": f"Token {heavy_token}"})  # fmt: skip
        assert (status, body) == (405, {"detail": 'Method "POST" not allowed.'})
        assert response.getheader("Allow") == "GET"

        # two streams of one person; a third is too many for them, not for others
        clients += [SseClient(port, token=heavy_token) for _ in range(2)]
        third = SseClient(port, token=heavy_token)
        assert (third.status, third.body) == (
            429, {"detail": "You have too many live streams open. Close a tab and retry."}
        )  # fmt: skip
        clients.append(SseClient(port, token=token_for(light)))
        for client in clients:
            client.wait_for(1, "ready")
        # three open: the process's last place is taken, for anyone
        late_token = token_for(late)
        full = SseClient(port, token=late_token)
        assert (full.status, full.body) == (
            503, {"detail": "This server holds as many streams as it may. Try again shortly."}
        )  # fmt: skip
        wait_for_figures(before, connections=3, connections_opened=3)

        for client in clients:
            client.close()
        wait_for_figures(before, connections=0, connections_opened=3)
        # nothing refused was held: every place is free again
        for token in (heavy_token, heavy_token, late_token):
            clients.append(SseClient(port, token=token))
            clients[-1].wait_for(1, "ready")
        wait_for_figures(before, connections=3, connections_opened=6)
    finally:
        for client in clients:
            client.close()
        process.kill()


def test_every_figure_the_live_alerts_use_is_on_metrics():
    rules = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text()
    used = ["divan_live_published_connected_total", "divan_live_messages_sent_total", PROCESSES]

    assert all(name in rules for name in used)
    assert set(used) <= set(figures())
