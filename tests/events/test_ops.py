"""What operators see of events: GET /api/ops/events/ (staff only), the /metrics figures, and
the alert rules over them (promtool checks the rules and runs their unit tests)."""

import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from communities.services import groups, posts
from divan import processes
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.events.models import OutboxEvent
from tests.divan.test_metrics import ROOT, promtool
from tests.events.test_stream import APPLIED  # noqa: F401 - registers the "recorder" consumer
from tests.factories import UserFactory
from tests.fixtures import client_for, metrics_scrape

pytestmark = pytest.mark.django_db
OPS = "/api/ops/events/"
RULES = ROOT / "deploy" / "prometheus"


@pytest.fixture(autouse=True)
def _consumers(settings):
    settings.EVENTS_CONSUMERS = ["recorder"]


def five_events() -> None:
    """group.created, membership.joined and three post.created."""
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    for n in range(3):
        posts.post_create(author=owner, group=group, body=f"post {n}")


def samples() -> dict[tuple[str, tuple], float]:
    body = metrics_scrape().content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name.startswith(("divan_outbox", "divan_events", "divan_processes"))
    }


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("member", 403)])
def test_only_staff_see_the_events_status(who, status):
    user = UserFactory() if who else None

    response = client_for(user).get(OPS)

    assert response.status_code == status
    assert set(response.json()) == {"detail"}


def test_the_status_shows_the_outbox_the_stream_and_each_consumer():
    staff = UserFactory(is_staff=True)
    five_events()

    before = client_for(staff).get(OPS).json()
    assert before["outbox"]["pending"] == 5 and before["outbox"]["oldest_pending_age_seconds"] > 0
    assert before["stream"] == {"length": 0, "dead_letters": 0, "losses": 0, "resent": 0}
    processes.heartbeat("worker")
    assert client_for(staff).get(OPS).json()["processes"] == [
        {"kind": "worker", "alive": 1, "last_seen_seconds": pytest.approx(0, abs=5), "state": "ok"},
        {"kind": "beat", "alive": 0, "last_seen_seconds": None, "state": "absent: none running"},
        {"kind": "stream", "alive": 0, "last_seen_seconds": None, "state": "absent: none running"},
        {
            "kind": "consumer:recorder", "alive": 0, "last_seen_seconds": None,
            "state": "absent: none running",
        },
    ]  # fmt: skip
    assert before["consumers"][0]["name"] == "recorder" and before["consumers"][0]["lag"] == 0

    outbox_dispatch()
    middle = client_for(staff).get(OPS).json()
    assert middle["outbox"] == {
        "pending": 0, "oldest_pending_age_seconds": 0.0, "failing": 0, "set_aside": 0
    }  # fmt: skip
    assert middle["stream"]["length"] == 5
    assert (middle["consumers"][0]["lag"], middle["consumers"][0]["processed"]) == (5, 0)

    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    (after,) = client_for(staff).get(OPS).json()["consumers"]
    assert (after["lag"], after["pending"], after["processed"], after["deliveries"]) == (0, 0, 5, 5)


def test_metrics_show_events_written_dispatched_and_consumed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # counts written:<type> at commit
        five_events()
    assert samples()[("divan_outbox_pending_events", ())] == 5

    outbox_dispatch()
    consumer_run("recorder", seconds=5, block_ms=0, until_idle=True)
    figures = samples()

    assert figures[("divan_events_written_total", (("type", "post.created"),))] == 3
    assert figures[("divan_events_written_total", (("type", "group.created"),))] == 1
    assert figures[("divan_events_dispatched_total", ())] == 5
    assert figures[("divan_outbox_pending_events", ())] == 0
    assert figures[("divan_outbox_oldest_pending_age_seconds", ())] == 0
    assert figures[("divan_events_consumer_processed_total", (("consumer", "recorder"),))] == 5
    assert figures[("divan_events_consumer_lag", (("consumer", "recorder"),))] == 0
    assert figures[("divan_events_dead_letters", ())] == 0
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0


def test_every_metric_the_alerts_use_is_exported():
    exported = {name for name, _ in samples()}
    rules = (RULES / "alerts.yml").read_text()
    used = {
        "divan_outbox_oldest_pending_age_seconds",
        "divan_outbox_set_aside_events",
        "divan_events_consumer_lag",
        "divan_events_consumer_pending",
        "divan_events_dead_letters",
        "divan_processes",
        "divan_events_stream_epoch_timestamp_seconds",
    }
    assert all(name in rules for name in used)
    assert used <= exported


@pytest.mark.skipif(promtool() is None, reason="promtool is not installed: run `make promtool`")
@pytest.mark.parametrize(
    "check", [["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]]
)
def test_promtool_accepts_the_rules_and_their_tests_pass(check):
    result = subprocess.run(
        [promtool(), *check], cwd=RULES, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
