"""The Redis side of events: the stream and its keys, consumer groups, and trimming.

Every key carries the `{events}` hash tag, so that in a Redis Cluster they all live in one slot
and any command or script may name several of them."""

from typing import NamedTuple

import redis
from django.conf import settings

from divan.redis import get_redis, redis_key

TAG = "{events}"


def stream_key() -> str:
    """The stream every event is appended to: `<prefix>:{events}`."""
    return redis_key(TAG)


def dead_letter_key() -> str:
    """Where a consumer sets aside an event that failed EVENTS_MAX_DELIVERIES times."""
    return redis_key(TAG, "dead")


def kick_key() -> str:
    """Set while a dispatch has been asked for and has not started yet."""
    return redis_key(TAG, "dispatch-kick")


def high_water_key() -> str:
    """A sorted set holding the highest outbox id dispatched into this Redis (member `id`),
    raised with ZADD GT after each batch's entries (see dispatch.stream_loss_repair)."""
    return redis_key(TAG, "dispatched")


def epoch_key() -> str:
    """When dispatch last found that Redis had lost dispatched events and sent them again."""
    return redis_key(TAG, "epoch")


def stats_key() -> str:
    """A hash of counters shared by every process: events written by type, dispatched, ..."""
    return redis_key(TAG, "stats")


def consumer_lock_key(consumer: str) -> str:
    return redis_key(TAG, "consumer", consumer, "lock")


def consumer_errors_key(consumer: str) -> str:
    """A hash: stream id -> the last error of the consumer's function on that entry."""
    return redis_key(TAG, "consumer", consumer, "errors")


class OutboxEntry(NamedTuple):
    """An outbox row as dispatch claims it: the payload as JSON text, the time as ISO 8601."""

    id: int
    event_id: str
    type: str
    aggregate_type: str
    aggregate_id: int
    payload: str
    created_at: str
    attempts: int

    def fields(self) -> dict[str, str]:
        """The stream entry: strings only."""
        return {
            "event_id": self.event_id,
            "type": self.type,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "payload": self.payload,
            "created_at": self.created_at,
            "outbox_id": str(self.id),
        }


def groups_ensure(client: redis.Redis | None = None) -> None:
    """Create the consumer group of every consumer in settings.EVENTS_CONSUMERS that is
    missing, reading from the stream's start: no event appended after this is missed."""
    client = client or get_redis()
    existing = {group["name"] for group in groups_of(client)}
    for consumer in settings.EVENTS_CONSUMERS:
        if consumer in existing:
            continue
        try:
            client.xgroup_create(stream_key(), consumer, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):  # created meanwhile by another process
                raise


def groups_of(client: redis.Redis) -> list[dict]:
    try:
        return client.xinfo_groups(stream_key())
    except redis.ResponseError as error:
        if "no such key" in str(error).lower():
            return []
        raise


def _id(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def _next_id(entry_id: str) -> str:
    milliseconds, sequence = _id(entry_id)
    return f"{milliseconds}-{sequence + 1}"


def trim_floor(client: redis.Redis | None = None) -> str | None:
    """The lowest stream id a configured consumer still needs: its group's oldest pending
    (delivered, not acknowledged) entry, or else the entry after the last one it was delivered;
    the lowest over the groups of settings.EVENTS_CONSUMERS. A group left in Redis by a consumer
    taken out of the settings holds nothing back. None when there is no such group."""
    client = client or get_redis()
    floors = []
    for group in groups_of(client):
        if group["name"] not in settings.EVENTS_CONSUMERS:
            continue
        oldest = client.xpending(stream_key(), group["name"])["min"] if group["pending"] else None
        # no pending entry, or all acknowledged since XINFO answered: past the last delivered
        floors.append(oldest or _next_id(group["last-delivered-id"]))
    return min(floors, key=_id) if floors else None


def stream_trim(client: redis.Redis | None = None) -> int:
    """Trim the stream below `trim_floor`: only entries that every group has acknowledged go
    (XTRIM MINID, never a blind MAXLEN). How many entries were removed."""
    client = client or get_redis()
    groups_ensure(client)  # a configured consumer without its group yet holds the floor at 0
    floor = trim_floor(client)
    if floor is None:
        return 0
    return client.xtrim(stream_key(), minid=floor, approximate=False)
