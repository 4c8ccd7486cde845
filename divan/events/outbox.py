"""Writing events: every service that changes data calls `event_record` in its transaction.

A rolled-back change leaves no event (the row goes with the transaction); a committed one has
exactly one. After the commit, `dispatch.dispatch_kick` asks a worker to send it on at once;
Celery beat's periodic dispatch is the safety net when that ask is lost (Redis down, say).
"""

import functools
import uuid

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from divan.events.dispatch import dispatch_kick
from divan.events.models import OutboxEvent

# Every type a service may write; consumers match on these names.
EVENT_TYPES = frozenset(
    {
        "group.created",
        "group.updated",
        "group.archived",
        "group.visibility_changed",
        "membership.joined",
        "membership.left",
        "membership.removed",
        "membership.role_changed",
        "join_request.created",
        "join_request.approved",
        "join_request.denied",
        "invitation.created",
        "invitation.declined",
        "invitation.revoked",
        "invitation.accepted",
        "ban.created",
        "ban.lifted",
        "ban.expired",
        "post.created",
        "post.edited",
        "post.deleted",
        "post.hidden",
        "post.restored",
        "post.pinned",
        "post.unpinned",
        "post.locked",
        "post.unlocked",
        "comment.created",
        "comment.edited",
        "comment.deleted",
        "comment.hidden",
        "comment.restored",
        "reaction.added",
        "reaction.removed",
        "report.created",
        "report.resolved",
        "report.dismissed",
        "attachment.added",
        "attachment.removed",
    }
)


# The event id is drawn by PostgreSQL (gen_random_uuid, version 4) in the INSERT itself.
_INSERT = (
    "INSERT INTO {table} (event_id, type, aggregate_type, aggregate_id, payload, created_at,"
    " attempts, last_error) VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, 0, '')"
    " RETURNING event_id"
)


def event_record(
    event_type: str, *, aggregate_type: str, aggregate_id: int, payload: dict
) -> uuid.UUID:
    """Write one event in the caller's transaction (it must be in one: an event outside the
    transaction of its change could be lost, or outlive a rolled-back change); its event id.
    One INSERT, without a model: every write in Divan runs it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}.")
    if not connection.in_atomic_block:
        raise RuntimeError(f"{event_type} must be written in the transaction of its change.")
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=table),
            [event_type, aggregate_type, aggregate_id, Jsonb(payload), timezone.now()],
        )
        (event_id,) = cursor.fetchone()
    transaction.on_commit(functools.partial(_committed, event_type), robust=True)
    return event_id


def _committed(event_type: str) -> None:
    dispatch_kick(event_type)
