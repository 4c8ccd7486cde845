"""/healthz answers while the process lives; /readyz checks PostgreSQL, Redis and the broker."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_everything_answers():
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"postgresql": "ok", "redis": "ok", "broker": "ok"},
    }


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
