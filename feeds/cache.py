"""The feed cache: one Redis sorted set per reader, members post ids, scores their ranking
order. The only module that speaks Redis sorted sets.

Keys are `<REDIS_KEY_PREFIX>:feed:{u<user id>}`: the braces make the user id the hash tag, so in
a Redis Cluster each reader's key lives in one slot and every command here names one key; the
same functions take a `RedisCluster` client (tests/feeds/test_cache_cluster.py runs them on a
real three-node cluster).
A reader's set holds at most FEED_CACHE_MAX entries (the newest by score), and expires after
FEED_ACTIVE_DAYS without a write or a read. Fan-out only adds to a set that exists: a missing
set is a cold cache, refilled whole from PostgreSQL on its reader's next read, never a partial
one that would hide posts for good.
"""

from collections.abc import Iterable

import redis
from django.conf import settings
from redis.cluster import RedisCluster

from divan.redis import get_redis, redis_key

# Add the post to a set that exists, keep the newest FEED_CACHE_MAX, renew its expiry.
_ADD_IF_WARM = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


def feed_key(user_id: int) -> str:
    return redis_key("feed", f"{{u{user_id}}}")


def _ttl_seconds() -> int:
    return settings.FEED_ACTIVE_DAYS * 86400


def cache_add(user_ids: Iterable[int], *, post_id: int, score: float,
              client: redis.Redis | RedisCluster | None = None) -> int:  # fmt: skip
    """Add a post to the warm feeds of these readers, in one pipelined round trip (one per node
    of a Redis Cluster); how many were warm."""
    client = client or get_redis()
    args = [post_id, score, settings.FEED_CACHE_MAX, _ttl_seconds()]
    warm = 0
    for node_client, keys in _by_node(client, [feed_key(user_id) for user_id in user_ids]):
        script = node_client.register_script(_ADD_IF_WARM)
        pipe = node_client.pipeline(transaction=False)
        for key in keys:
            script(keys=[key], args=args, client=pipe)
        warm += sum(pipe.execute())
    return warm


def _by_node(client, keys: list[str]):
    """(a client, its keys): the client itself with every key; or, on a Redis Cluster, each
    node's own connection with the keys of its slots (redis-py refuses scripts in a cluster
    pipeline, though each script here names one key, on one node)."""
    if not isinstance(client, RedisCluster):
        yield client, keys
        return
    grouped: dict[str, tuple] = {}
    for key in keys:
        node = client.get_node_from_key(key)
        grouped.setdefault(node.name, (client.get_redis_connection(node), []))[1].append(key)
    yield from grouped.values()


def cache_fill(user_id: int, entries: dict[int, float], *, client: redis.Redis | None = None):
    """Replace a reader's set with these entries (post id: score), newest FEED_CACHE_MAX kept."""
    client = client or get_redis()
    key = feed_key(user_id)
    pipe = client.pipeline(transaction=True)  # one key: a MULTI is cluster-safe
    pipe.delete(key)
    if entries:
        pipe.zadd(key, {str(post_id): score for post_id, score in entries.items()})
        pipe.zremrangebyrank(key, 0, -(settings.FEED_CACHE_MAX + 1))
        pipe.expire(key, _ttl_seconds())
    pipe.execute()


def cache_entries(user_id: int, *, client: redis.Redis | None = None) -> dict[int, float] | None:
    """Every entry of a reader's set, or None when it is cold (no set)."""
    client = client or get_redis()
    rows = client.zrange(feed_key(user_id), 0, -1, withscores=True)
    if not rows:
        return None
    return {int(member): score for member, score in rows}


def cache_drop(user_ids: Iterable[int], *, client: redis.Redis | None = None) -> None:
    """Make these readers' caches cold (their next read refills them from PostgreSQL)."""
    client = client or get_redis()
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        pipe.delete(feed_key(user_id))  # one key per command: cluster-safe
    pipe.execute()


def cache_remove(user_ids: Iterable[int], *, post_id: int,
                 client: redis.Redis | None = None) -> None:  # fmt: skip
    """Take a post out of these readers' caches, in one pipelined round trip."""
    client = client or get_redis()
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        pipe.zrem(feed_key(user_id), str(post_id))
    pipe.execute()
