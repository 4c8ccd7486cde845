"""The feed cache: one Redis sorted set per reader, its members post ids, each scored by its own
id (ids grow with time, so the set reads newest first). The only module that speaks Redis sorted
sets.

Keys are `<REDIS_KEY_PREFIX>:feed:{u<user id>}`: the braces make the user id the hash tag, so in
a Redis Cluster each reader's key lives in one slot and every command here names one key; the
same functions take a `RedisCluster` client (tests/feeds/test_cache_cluster.py runs them on a
real three-node cluster).

A reader's set is one of three things:
- **cold**: no key. Its reader's next read fills it from PostgreSQL.
- **filling**: it holds a placeholder (`fill:<token>`, score -1) while a reader's read copies
  their rows into it. Fan-out adds to it meanwhile, and the fill merges its rows in without
  removing theirs, so nothing written during a fill is lost; a drop meanwhile (a reader left a
  group) removes the placeholder, and the fill then leaves the set cold. Reads treat it as cold.
- **warm**: the reader's newest posts, at most FEED_CACHE_MAX members. The member `0` (score 0,
  below every post) says the set holds the whole feed; the first trim removes it, as it is the
  lowest, and from then on a read that reaches the set's end goes on in PostgreSQL.
Fan-out only adds to a set that exists, so a cold reader never gets a partial set that would
hide posts for good. Only reads renew a set's expiry (FEED_ACTIVE_DAYS, less an hour): it
expires before fan-out stops writing to its reader, never after (feeds.services.reader_mark_active).

Counters every process adds to live in one hash (`stats_key`): reads, fills, and what processes
counted while Redis did not answer, carried by their next round trip.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import redis
from django.conf import settings
from redis.cluster import RedisCluster

from divan.metrics import SharedCounters
from divan.redis import get_redis, redis_key

COMPLETE = "0"  # the member that says a set holds its reader's whole feed
_FILLING = "fill:"
_FILL_SECONDS = 60  # a fill killed halfway leaves its placeholder this long, then the set is cold
_ADD_BATCH = 500  # members per ZADD inside the fill script

# Add the post to a set that exists; trim it to FEED_CACHE_MAX unless a fill is under way. A post
# older than everything in a set that is not the whole feed is not added: the rows between would
# be missing from the set, and reads past its end go on in PostgreSQL, where the row is.
_ADD_IF_WARM = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local filling = redis.call('ZCOUNT', KEYS[1], -1, -1) > 0
if not filling and redis.call('ZSCORE', KEYS[1], '0') == false then
  local lowest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if lowest[2] ~= nil and tonumber(ARGV[1]) < tonumber(lowest[2]) then
    return 0
  end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
if not filling then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
end
return 1
"""

# Start a fill: a placeholder, unless the set is warm already (another read filled it).
_FILL_BEGIN = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('ZCOUNT', KEYS[1], -1, -1) == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], -1, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# Finish a fill: merge the rows in, unless the set was dropped meanwhile (then it stays cold).
# ARGV: placeholder, whole feed (1/0), cap, expiry, then post ids.
_FILL_FINISH = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local batch = tonumber(ARGV[5])
for first = 6, #ARGV, batch do
  local pairs = {}
  for i = first, math.min(first + batch - 1, #ARGV) do
    pairs[#pairs + 1] = ARGV[i]
    pairs[#pairs + 1] = ARGV[i]
  end
  redis.call('ZADD', KEYS[1], unpack(pairs))
end
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], 0, '0')
end
if redis.call('ZCOUNT', KEYS[1], -1, -1) == 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 1
"""


def feed_key(user_id: int) -> str:
    return redis_key("feed", f"{{u{user_id}}}")


def stats_key() -> str:
    return redis_key("feed", "{stats}")


def ttl_seconds() -> int:
    """A set's lifetime from its reader's last read: an hour less than FEED_ACTIVE_DAYS, so it
    is gone before fan-out stops writing to its reader."""
    return max(settings.FEED_ACTIVE_DAYS * 86400 - 3600, 60)


def touch_seconds() -> int:
    """How long a read goes without renewing the expiry (and the reader's read_at): a day, or a
    tenth of the lifetime when that is shorter."""
    return min(86400, ttl_seconds() // 10)


# Counters every process adds to (fan-out, reads by outcome, rebuilds, rescoring), held in the
# process while Redis does not answer.
STATS = SharedCounters(stats_key)
count_later, counts_held_clear = STATS.later, STATS.clear_held
stats_add, stats_read = STATS.add, STATS.read


def cache_add(user_ids: Iterable[int], *, post_id: int,
              client: redis.Redis | RedisCluster | None = None) -> int:  # fmt: skip
    """Add a post to the warm (or filling) feeds of these readers, in one pipelined round trip
    (one per node of a Redis Cluster); how many had a set."""
    client = client or get_redis()
    args = [post_id, settings.FEED_CACHE_MAX]
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


def cache_fill_begin(user_id: int, *, client: redis.Redis | None = None) -> str | None:
    """Mark a cold set as filling; the fill's placeholder, or None when the set is warm."""
    client = client or get_redis()
    placeholder = f"{_FILLING}{secrets.token_hex(8)}"
    started = client.register_script(_FILL_BEGIN)(
        keys=[feed_key(user_id)], args=[placeholder, _FILL_SECONDS]
    )
    return placeholder if started else None


def cache_fill_finish(user_id: int, placeholder: str, post_ids: list[int], *, whole: bool,
                      client: redis.Redis | None = None) -> bool:  # fmt: skip
    """Merge a reader's newest post ids (read after `cache_fill_begin`) into their set; `whole`
    when they are the entire feed. False when the set was dropped meanwhile (it stays cold)."""
    client = client or get_redis()
    script = client.register_script(_FILL_FINISH)
    args = [placeholder, int(whole), settings.FEED_CACHE_MAX, ttl_seconds(), _ADD_BATCH]
    return bool(script(keys=[feed_key(user_id)], args=[*args, *post_ids]))


def cache_fill(user_id: int, post_ids: Iterable[int], *, whole: bool = True,
               client: redis.Redis | None = None) -> bool:  # fmt: skip
    """Fill a reader's set with these post ids at once (their rows are known already)."""
    client = client or get_redis()
    cache_drop([user_id], client=client)
    placeholder = cache_fill_begin(user_id, client=client)
    return cache_fill_finish(user_id, placeholder, list(post_ids), whole=whole, client=client)


@dataclass(frozen=True)
class Window:
    """Post ids of a warm set, in the order asked; `end`: the set's end was reached and it is
    the feed's end (the set holds the whole feed); `renew`: the expiry is due for renewal."""

    post_ids: list[int]
    end: bool
    renew: bool


def cache_window(user_id: int, *, below: int | None = None, above: int | None = None,
                 count: int | None = None, client: redis.Redis | None = None
                 ) -> Window | None:  # fmt: skip
    """A reader's post ids, newest first: all of them, or `count` below the id `below` (or, with
    `above`, the `count` just above it, oldest first); None when the set is cold or filling. One
    round trip, which also counts the read."""
    client = client or get_redis()
    key = feed_key(user_id)
    pipe = client.pipeline(transaction=False)
    pipe.zcount(key, -1, -1)
    pipe.ttl(key)
    limit = {"start": 0, "num": count} if count is not None else {}
    if above is not None:
        pipe.zrangebyscore(key, f"({above}", "+inf", **limit)
    else:
        pipe.zrevrangebyscore(key, f"({below}" if below is not None else "+inf", 0, **limit)
    held = STATS.queue(pipe, reads=1)
    try:
        filling, ttl, members = pipe.execute()[:3]
    except redis.RedisError:
        STATS.keep(held)
        raise
    if ttl == -2 or filling:
        return None
    post_ids = [int(member) for member in members if member != COMPLETE]
    return Window(
        post_ids=post_ids,
        end=COMPLETE in members,
        renew=0 <= ttl < ttl_seconds() - touch_seconds(),
    )


def cache_renew(user_id: int, *, client: redis.Redis | None = None) -> None:
    """Renew a warm set's expiry (its reader read it)."""
    (client or get_redis()).expire(feed_key(user_id), ttl_seconds(), xx=True)


def cache_entries(user_id: int, *, client: redis.Redis | None = None) -> list[int] | None:
    """Every post id of a reader's set, newest first, or None when it is cold or filling."""
    window = cache_window(user_id, client=client)
    return None if window is None else window.post_ids


def cache_drop(user_ids: Iterable[int], *, client: redis.Redis | None = None) -> None:
    """Make these readers' caches cold (their next read fills them from PostgreSQL)."""
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
