"""The unread count as the bell polls it: kept in Redis per person until something changes it.

The count itself is one statement (notifications.selectors.unread_count); what costs on the most
polled endpoint is running it at all, planned anew each time. So each person's answer is kept
in Redis beside a generation number of theirs: whatever may change their count bumps the
generation after its commit (`unread_changed`): items delivered to them, items they marked
read, items removed (they left or were removed or banned, the group went private or secret or
was archived, retention), a post or comment of an item hidden, restored or deleted, a block or
mute of theirs made or undone. A kept answer is used only while the generation it was read
under is still the person's; an answer read while a bump happened is stored under the older
generation, so the next read misses and reads PostgreSQL again (no lost update). Each entry
lives NOTIFICATIONS_UNREAD_CACHE_SECONDS at most, which bounds what a lost bump (Redis down at
that moment) can leave behind; with Redis down the count is read from PostgreSQL each time.

Keys (all of one person share the hash tag `{u<id>}`): `...:{u<id>}:unread` the answer and the
generation it was read under, `...:{u<id>}:gen` the generation, living a day past its last
use so that it always outlives the answers read under it.
"""

import json
import logging
from collections.abc import Iterable

import redis
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from redis.cluster import RedisCluster

from communities.models import Block
from divan.redis import get_redis, redis_key
from live import channels
from notifications.selectors import UnreadCount, unread_count

logger = logging.getLogger(__name__)

GENERATION_SECONDS = 86400


def _keys(user_id: int) -> tuple[str, str]:
    tag = f"{{u{user_id}}}"
    return redis_key("notifications", tag, "unread"), redis_key("notifications", tag, "gen")


def unread_count_kept(*, recipient) -> UnreadCount:
    """The recipient's unread count: the kept answer while nothing changed it (one Redis round
    trip, no SQL), else read from PostgreSQL and kept."""
    entry_key, gen_key = _keys(recipient.pk)
    client = get_redis()
    try:
        entry, generation = client.mget(entry_key, gen_key)
    except redis.RedisError as error:
        logger.warning("notifications: unread count read from PostgreSQL (%s)", error)
        return unread_count(recipient=recipient)
    generation = generation or "0"
    if entry is not None:
        kept = json.loads(entry)
        if kept["gen"] == generation:
            return UnreadCount(total=kept["total"], by_type=kept["by_type"])
    count = unread_count(recipient=recipient)
    entry = {"gen": generation, "total": count.total, "by_type": count.by_type}
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(entry_key, json.dumps(entry), ex=settings.NOTIFICATIONS_UNREAD_CACHE_SECONDS)
        pipe.expire(gen_key, GENERATION_SECONDS)
        pipe.execute()
    except redis.RedisError as error:
        logger.warning("notifications: unread count not kept (%s)", error)
    return count


# Each key's generation bumped and its life renewed, for every key named: one command for a
# chunk's thousand recipients, where a pipeline would pack two thousand.
_BUMP = """
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
return #KEYS
"""


def _bump(user_ids: list[int]) -> None:
    entry_key, _ = _keys(0)  # the keys of a thousand people, built as one's
    base = entry_key.removesuffix("{u0}:unread")
    keys = [f"{base}{{u{user_id}}}:gen" for user_id in user_ids]
    try:
        client = get_redis()
        if isinstance(client, RedisCluster):  # a script may name keys of one slot only
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, GENERATION_SECONDS)
            pipe.execute()
        else:
            client.register_script(_BUMP)(keys=keys, args=[GENERATION_SECONDS])
    except redis.RedisError as error:  # their kept counts expire within the cache's lifetime
        logger.warning("notifications: unread counts of %d not bumped (%s)", len(keys), error)


def unread_changed(user_ids: Iterable[int], *, push: bool = False) -> None:
    """These people's unread counts may have changed: their kept answers stop counting once the
    current transaction commits (at once outside one); with `push` (deliveries and removals,
    which run in the events process and the worker, never in a request), those connected to a
    stream process are sent their new count then (live/)."""
    user_ids = sorted(set(user_ids))
    if user_ids:
        transaction.on_commit(lambda: _changed(user_ids, push=push), robust=True)


def _changed(user_ids: list[int], *, push: bool) -> None:
    _bump(user_ids)
    if push:
        try:
            channels.notify(user_ids)
        except redis.RedisError as error:  # the bell is read again on the next page or stream
            logger.warning("notifications: %d unread counts not pushed (%s)", len(user_ids), error)


def _block_changed(sender, instance: Block, **kwargs) -> None:
    """A block or mute made, changed or undone: the items its maker's count shows change."""
    unread_changed([instance.user_id])


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_block_changed, sender=Block, dispatch_uid=f"unread-{signal}")
