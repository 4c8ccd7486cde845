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

from divan.events import queries
from divan.sql import fetch_one

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
    (event_id,) = fetch_one(
        queries.OUTBOX_INSERT,
        [event_type, aggregate_type, aggregate_id, Jsonb(payload), timezone.now()],
    )
    transaction.on_commit(functools.partial(_committed, event_type), robust=True)
    return event_id


def _committed(event_type: str) -> None:
    from divan.events.dispatch import dispatch_kick  # dispatch imports the stream and tasks

    dispatch_kick(event_type)
