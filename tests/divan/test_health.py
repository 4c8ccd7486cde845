"""/healthz answers while the process lives; /readyz checks PostgreSQL, Redis and the broker, and
names the background processes (worker, beat, each consumer) that are absent or stale."""

import re
import time

import pytest
from django.test import Client

from divan import processes
from divan.redis import get_redis, redis_key

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_everything_answers(settings):
    settings.EVENTS_CONSUMERS = ["search", "feeds"]
    for kind in ("worker", "beat", "consumer:search", "consumer:feeds"):
        processes.heartbeat(kind)

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"postgresql": "ok", "redis": "ok", "broker": "ok"},
        "processes": {
            "worker": "ok", "beat": "ok", "consumer:search": "ok", "consumer:feeds": "ok"
        },
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
            "consumer:search": "ok",
            "consumer:feeds": "absent: none running",
        },
    }
    seen = re.fullmatch(r"absent: last seen (\d+) s ago", worker)
    assert seen and 95 <= int(seen[1]) <= 97, worker  # the request itself takes a moment


def test_with_the_switch_off_no_consumer_is_expected(settings):
    settings.COMMUNITIES_WORKERS_ENABLED = False
    processes.heartbeat("worker")
    processes.heartbeat("beat")

    body = Client().get("/readyz").json()

    assert (body["status"], body["processes"]) == ("ok", {"worker": "ok", "beat": "ok"})


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
