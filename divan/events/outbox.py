"""Writing events: every service that changes data calls `event_record` in its transaction.

A rolled-back change leaves no event (the row goes with the transaction); a committed one has
exactly one. After the commit, `dispatch.dispatch_kick` asks a worker to send it on at once;
Celery beat's periodic dispatch is the safety net when that ask is lost (Redis down, say).
"""

import functools
import uuid
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from divan.events import queries
from divan.events.dispatch import dispatch_kick
from divan.sql import fetch_one

# Every type a service may write, registered by the app that owns the names (communities.events.
# EventType, at start-up); producers and consumers use those constants, never bare strings.
EVENT_TYPES: set[str] = set()


def event_types_register(types: Iterable[str]) -> None:
    """Allow these event types: the set of names an app's services write."""
    EVENT_TYPES.update(types)


# What another app commits with an event of a type, in the transaction that records it (feeds:
# a new post's row in its author's feed), so that the writing app need not know that app.
_EFFECTS: dict[str, list[Callable[[dict], None]]] = {}


def event_effect_register(event_type: str, effect: Callable[[dict], None]) -> None:
    """Call `effect(payload)` in the transaction of every event of this type, once recorded.
    For what must commit with the change itself; anything else belongs to a consumer."""
    _EFFECTS.setdefault(event_type, []).append(effect)


def event_record(
    event_type: str, *, aggregate_type: str, aggregate_id: int, payload: dict
) -> uuid.UUID:
    """Write one event in the caller's transaction (it must be in one: an event outside the
    transaction of its change could be lost, or outlive a rolled-back change), then the effects
    registered for its type; its event id. One INSERT, without a model: every write in Divan
    runs it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}.")
    if not connection.in_atomic_block:
        raise RuntimeError(f"{event_type} must be written in the transaction of its change.")
    (event_id,) = fetch_one(
        queries.OUTBOX_INSERT,
        [event_type, aggregate_type, aggregate_id, Jsonb(payload), timezone.now()],
    )
    for effect in _EFFECTS.get(event_type, ()):
        effect(payload)
    transaction.on_commit(functools.partial(_committed, event_type), robust=True)
    return event_id


def _committed(event_type: str) -> None:
    dispatch_kick(event_type)
