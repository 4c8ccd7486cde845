"""Test session set-up: find PostgreSQL and Redis, set Django up, then shared fixtures.

DATABASE_URL and REDIS_URL, when set, name the services to use. When neither is set and a
Docker engine answers, PostgreSQL and Redis are started with testcontainers for this run.
Otherwise the development defaults (127.0.0.1:5432 and 127.0.0.1:6379) are used.

This runs when pytest imports this file, before any other conftest, so that every test module
and conftest below may import models.
"""

import atexit
import os

import django
import pytest


def _docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:  # noqa: BLE001 - no client, no socket, no engine: all mean "no Docker"
        return False
    return True


def _start_containers() -> None:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    postgres = PostgresContainer("postgres:16-alpine", driver=None).start()
    redis = RedisContainer("redis:7-alpine").start()
    atexit.register(postgres.stop)
    atexit.register(redis.stop)
    os.environ["DATABASE_URL"] = postgres.get_connection_url()
    host, port = redis.get_container_host_ip(), redis.get_exposed_port(6379)
    os.environ["REDIS_URL"] = f"redis://{host}:{port}/0"


def _is_xdist_worker() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ  # the controller started the containers


if (
    not os.environ.get("DATABASE_URL")
    and not os.environ.get("REDIS_URL")
    and not _is_xdist_worker()
    and _docker_engine_answers()
):
    _start_containers()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

pytest_plugins = ["tests.fixtures", "tests.mail"]


@pytest.fixture(autouse=True)
def _clean_redis_keys():
    """Each test starts with none of this run's Redis keys (other runs' keys are untouched).
    The Celery broker's keys stay: the test worker's queue bindings live there. Counts a
    process holds for its next round trip (feeds.cache) go with them."""
    yield
    from divan.redis import get_redis, redis_key
    from feeds.cache import counts_held_clear

    counts_held_clear()

    client = get_redis()
    celery_keys = redis_key("celery", "")
    keys = [
        key
        for key in client.scan_iter(match=redis_key("*"), count=1000)
        if not key.startswith(celery_keys)
    ]
    if keys:
        client.delete(*keys)


@pytest.fixture
def worker():
    """A real Celery worker in this process (the solo pool) on the test's database, for the
    tasks the test queues; stopped with the test."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
