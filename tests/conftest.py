"""Test session set-up: find PostgreSQL and Redis, then shared fixtures.

DATABASE_URL and REDIS_URL, when set, name the services to use. When neither is set and a
Docker engine answers, PostgreSQL and Redis are started with testcontainers for this run.
Otherwise the development defaults (127.0.0.1:5432 and 127.0.0.1:6379) are used.
"""

import os

import pytest


def _docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:  # noqa: BLE001 - no client, no socket, no engine: all mean "no Docker"
        return False
    return True


def _start_containers(config) -> None:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    postgres = PostgresContainer("postgres:16-alpine", driver=None).start()
    redis = RedisContainer("redis:7-alpine").start()
    config.add_cleanup(postgres.stop)
    config.add_cleanup(redis.stop)
    os.environ["DATABASE_URL"] = postgres.get_connection_url()
    host, port = redis.get_container_host_ip(), redis.get_exposed_port(6379)
    os.environ["REDIS_URL"] = f"redis://{host}:{port}/0"


def pytest_configure(config) -> None:
    wants_containers = not os.environ.get("DATABASE_URL") and not os.environ.get("REDIS_URL")
    if wants_containers and not hasattr(config, "workerinput") and _docker_engine_answers():
        _start_containers(config)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    # Fixtures import models, so they load once Django is set up.
    config.pluginmanager.import_plugin("tests.fixtures")


@pytest.fixture(autouse=True)
def _clean_redis_keys():
    """Each test starts with none of this run's Redis keys (other runs' keys are untouched)."""
    yield
    from divan.redis import get_redis, redis_key

    client = get_redis()
    keys = list(client.scan_iter(match=redis_key("*"), count=1000))
    if keys:
        client.delete(*keys)
