"""The background at its smallest setting: a Celery worker at --concurrency=1, beat, and the events
process running three consumers (one more than Divan's own takes no pool slot). A post is
searchable and in every member's feed within 2 s, an image is processed, every event is applied
once; and a worker or consumer that stops shows on /readyz, /api/ops/events/, /metrics and
`manage.py event_outbox`, which also dispatches the outbox by hand."""

import io
import time

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from communities.services import groups, membership
from divan.events.models import OutboxEvent
from tests.communities.test_uploads import complete, local, send, start  # noqa: F401 - fixture
from tests.events.conftest import tallied
from tests.events.processes import Beat, Events, Stream, Worker, queued_messages, wait_until
from tests.factories import UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for, metrics_scrape

pytestmark = pytest.mark.django_db(transaction=True)

FRESH_SECONDS = 2.0
MEMBERS = 8
ENV = {
    "EVENTS_CONSUMERS": "search,feeds,tally",
    "EVENTS_CONSUMER_MODULES": "tests.events.tally",
    "EVENTS_DISPATCH_INTERVAL_SECONDS": "1",
    "PROCESS_HEARTBEAT_SECONDS": "0.5",
}


def readyz() -> dict:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    return response.json()


def search(client, q: str) -> list[int]:
    page = client.get("/api/communities/v1/search/", {"q": q}).json()
    return [hit["id"] for hit in page["results"]]


def processes_up() -> dict[str, float]:
    """/metrics' divan_processes, by process."""
    body = metrics_scrape().content.decode()
    return {
        sample.labels["process"]: sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "divan_processes"
    }


def feed(client) -> list[int]:
    page = client.get("/api/communities/v1/feed/", {"order": "recent"}).json()
    return [post["id"] for post in page["results"]]


def logs(processes) -> str:
    return "\n".join(process.log_tail() for process in processes)


@pytest.mark.usefixtures("local")
def test_a_worker_at_concurrency_1_keeps_search_feeds_and_images_within_deadlines(
    settings, tally_table
):
    settings.EVENTS_CONSUMERS = ["search", "feeds", "tally"]
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Lighthouse", visibility="public")
    members = [owner, *UserFactory.create_batch(MEMBERS - 1)]
    for user in members[1:]:
        membership.group_join(user=user, group=group)
    make_active(members)
    clients = [client_for(user) for user in members]
    env = {**ENV, "UPLOADS_LOCAL_ROOT": settings.UPLOADS_LOCAL_ROOT}
    processes = [Worker(concurrency=1, **env), Beat(**env), Events(**env), Stream(**env)]
    for process in processes:
        process.start()
    url = f"/api/communities/v1/groups/{group.pk}/posts/"
    try:
        wait_until(lambda: readyz()["status"] == "ok", timeout=60,
                   message=f"not every process beats:\n{logs(processes)}")  # fmt: skip
        assert readyz()["processes"] == {
            "worker": "ok", "beat": "ok", "stream": "ok",
            "consumer:search": "ok", "consumer:feeds": "ok", "consumer:tally": "ok",
        }  # fmt: skip

        def reached(post_id: int, word: str) -> bool:
            return search(clients[0], word) == [post_id] and all(
                post_id in feed(client) for client in clients
            )

        first = clients[0].post(url, {"body": "warming up"}, format="json").json()["id"]
        wait_until(lambda: reached(first, "warming"), timeout=60,
                   message=f"the first post went nowhere:\n{logs(processes)}")  # fmt: skip
        delays = []
        for n in range(10):
            author = clients[n % MEMBERS]
            began = time.monotonic()
            post_id = author.post(url, {"body": f"keeper{n} of the light"}, format="json").json()
            wait_until(lambda n=n, post_id=post_id["id"]: reached(post_id, f"keeper{n}"),
                       timeout=FRESH_SECONDS, every=0.02,
                       message=f"post {n} not in search and every feed within 2 s")  # fmt: skip
            delays.append(time.monotonic() - began)
        assert max(delays) <= FRESH_SECONDS

        picture = io.BytesIO()
        Image.new("RGB", (64, 48), "navy").save(picture, format="PNG")
        data = picture.getvalue()
        started = start(clients[1], filename="sea.png", size=len(data)).json()
        assert send(started, data).status_code == 204
        assert complete(clients[1], started["id"]).json()["processing"] is True
        upload_url = f"/api/communities/v1/uploads/{started['id']}/"
        wait_until(lambda: clients[1].get(upload_url).json()["processing"] is False, timeout=30,
                   message=f"the image was not processed:\n{logs(processes)}")  # fmt: skip
        upload = clients[1].get(upload_url).json()
        assert (upload["status"], upload["width"], upload["height"]) == ("ready", 64, 48)

        written = OutboxEvent.objects.count()
        wait_until(lambda: tallied() == written, timeout=30, message="the third consumer lags")
    finally:
        for process in processes:
            process.kill()
    assert tallied() == written  # each event once, alongside search and feeds


def test_a_stopped_worker_or_consumer_shows_everywhere_and_the_outbox_can_be_sent_by_hand(
    settings, admin_client
):
    settings.EVENTS_CONSUMERS = ["search"]
    settings.PROCESS_STALE_SECONDS = 3
    env = {**ENV, "EVENTS_CONSUMERS": "search", "EVENTS_CONSUMER_MODULES": ""}
    worker, beat, events = Worker(**env), Beat(**env), Events(**env)
    processes = [worker, beat, events, Stream(**env)]
    for process in processes:
        process.start()
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="Quiet", visibility="public")
    client = client_for(owner)
    try:
        wait_until(lambda: readyz()["status"] == "ok", timeout=60,
                   message=f"not every process beats:\n{logs(processes)}")  # fmt: skip
        # the group's events out first: a worker just up may not have run their dispatch yet
        wait_until(lambda: not OutboxEvent.objects.filter(dispatched_at=None).exists(),
                   timeout=30, message=f"not dispatched:\n{logs(processes)}")  # fmt: skip

        worker.kill()  # no clean stop: it goes stale
        wait_until(lambda: readyz()["status"] == "degraded", timeout=30, message="still ok")
        body = readyz()
        assert body["checks"] == {"postgresql": "ok", "redis": "ok", "broker": "ok"}
        assert body["processes"]["worker"].startswith("absent: last seen ")
        assert (body["processes"]["beat"], body["processes"]["consumer:search"]) == ("ok", "ok")

        created = client.post(
            f"/api/communities/v1/groups/{group.pk}/posts/", {"body": "lantern"}, format="json"
        )
        assert created.status_code == 201
        post_id = created.json()["id"]
        out = io.StringIO()
        call_command("event_outbox", stdout=out)
        report = out.getvalue()
        assert "Pending: 1 event(s), the oldest " in report
        assert "\nworker: absent: last seen " in report
        assert "\nbeat: ok\nstream: ok\nconsumer:search: ok\n" in report
        assert "--dispatch" in report

        ops = admin_client.get("/api/ops/events/").json()
        assert ops["outbox"]["pending"] == 1
        worker_status = next(p for p in ops["processes"] if p["kind"] == "worker")
        assert (worker_status["alive"], worker_status["state"][:7]) == (0, "absent:")
        assert processes_up() == {"worker": 0, "beat": 1, "stream": 1, "consumer:search": 1}

        out = io.StringIO()
        call_command("event_outbox", "--dispatch", stdout=out)
        assert out.getvalue().startswith("Dispatched 1 event(s).\nPending: 0 event(s).\n")
        wait_until(lambda: search(client, "lantern") == [post_id], timeout=10,
                   message="the events process did not index what was sent by hand")  # fmt: skip

        assert events.stop(timeout=15) == 0  # SIGTERM: a clean stop, gone at once
        assert readyz()["processes"]["consumer:search"] == "absent: none running"
        assert processes_up() == {"worker": 0, "beat": 1, "stream": 1, "consumer:search": 0}

        worker.start()  # back: it runs what beat asked for meanwhile
        wait_until(lambda: readyz()["processes"]["worker"] == "ok", timeout=60,
                   message=f"the worker did not come back:\n{worker.log_tail()}")  # fmt: skip
        beat.kill()
        wait_until(lambda: queued_messages() == 0, timeout=60, message="messages left behind")
    finally:
        for process in processes:
            process.kill()
