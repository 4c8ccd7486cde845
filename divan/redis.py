"""The Redis client of the process, and the key prefix every Divan key carries."""

import functools

import redis
from django.conf import settings


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=3,
        socket_timeout=5,
        health_check_interval=30,
    )


def get_redis() -> redis.Redis:
    """One pooled client per URL, so that a changed REDIS_URL setting is honoured."""
    return _client(settings.REDIS_URL)


def redis_key(*parts: object) -> str:
    return ":".join([settings.REDIS_KEY_PREFIX, *map(str, parts)])
