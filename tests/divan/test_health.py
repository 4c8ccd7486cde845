"""/healthz answers while the process lives; /readyz checks PostgreSQL, Redis and the broker, and
names the background processes (worker, beat, each consumer) that are absent or stale, and mail
that waits too long."""

import re
import time
from datetime import timedelta

import pytest
from django.core.mail import send_mail
from django.test import Client
from django.utils import timezone

from divan import processes
from divan.models import OutboundMail
from divan.redis import get_redis, redis_key
from tests.fixtures import metrics_scrape

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_everything_answers(settings):
    settings.EVENTS_CONSUMERS = ["search", "feeds"]
    for kind in ("worker", "beat", "stream", "consumer:search", "consumer:feeds"):
        processes.heartbeat(kind)

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"postgresql": "ok", "redis": "ok", "broker": "ok"},
        "processes": {
            "worker": "ok", "beat": "ok", "stream": "ok",
            "consumer:search": "ok", "consumer:feeds": "ok",
        },
        "mail": {"state": "ok", "queued": 0, "oldest_queued_seconds": 0.0, "failed": 0},
    }  # fmt: skip


def test_readyz_names_absent_and_stale_background_processes_and_stays_200(settings):
    settings.EVENTS_CONSUMERS = ["search", "feeds"]
    settings.PROCESS_STALE_SECONDS = 30
    processes.heartbeat("beat")
    processes.heartbeat("consumer:search")
    stale = time.time() - 95
    get_redis().zadd(redis_key("processes", "worker"), {"elsewhere:1": stale})

    response = Client().get("/readyz")

    assert response.status_code == 200  # the API answers; the outbox keeps the events
    body = response.json()
    worker = body["processes"].pop("worker")
    assert body == {
        "status": "degraded",
        "checks": {"postgresql": "ok", "redis": "ok", "broker": "ok"},
        "processes": {
            "beat": "ok",
            "stream": "absent: none running",
            "consumer:search": "ok",
            "consumer:feeds": "absent: none running",
        },
        "mail": {"state": "ok", "queued": 0, "oldest_queued_seconds": 0.0, "failed": 0},
    }
    seen = re.fullmatch(r"absent: last seen (\d+) s ago", worker)
    assert seen and 95 <= int(seen[1]) <= 97, worker  # the request itself takes a moment


def test_with_the_switch_off_no_consumer_is_expected(settings):
    settings.COMMUNITIES_WORKERS_ENABLED = False
    for kind in ("worker", "beat", "stream"):
        processes.heartbeat(kind)

    body = Client().get("/readyz").json()

    assert (body["status"], body["processes"]) == (
        "ok",
        {"worker": "ok", "beat": "ok", "stream": "ok"},
    )


def test_readyz_names_the_unreachable_broker(settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["postgresql"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["broker"].startswith("error: ")


def test_readyz_names_the_unreachable_redis(settings):
    settings.REDIS_URL = UNREACHABLE_REDIS

    response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"].startswith("error: ConnectionError")
    assert checks["postgresql"] == "ok"
    assert response.json()["processes"] == {}  # their heartbeats live in that Redis


def test_readyz_says_degraded_while_a_mail_waits_past_mail_stale_seconds(settings):
    settings.MAIL_STALE_SECONDS = 300
    for kind in ("worker", "beat", "stream", "consumer:search", "consumer:feeds"):
        processes.heartbeat(kind)
    send_mail("Waiting", "The mail server is down.", None, ["kim@example.com"])
    send_mail("Also waiting", "Still down.", None, ["lee@example.com"])
    assert Client().get("/readyz").json()["mail"]["state"] == "ok"  # just queued
    OutboundMail.objects.filter(payload__subject="Waiting").update(
        created_at=timezone.now() - timedelta(seconds=400)
    )

    response = Client().get("/readyz")

    assert response.status_code == 200
    body = response.json()
    oldest = body["mail"].pop("oldest_queued_seconds")
    assert (body["status"], body["mail"]) == (
        "degraded", {"state": "stalled", "queued": 2, "failed": 0}
    )  # fmt: skip
    assert 400 <= oldest < 460
    scraped = metrics_scrape().content.decode()
    assert "divan_mail_queued 2.0" in scraped
    assert "divan_mail_failed 0.0" in scraped
    assert re.search(r"^divan_mail_oldest_queued_age_seconds 4\d\d", scraped, re.M)
