"""The SQL statements of the event stream's platform pieces (the outbox, its dispatch, the
consumers' dedup records), each built once per process (divan/sql.py), by name."""

from divan.events.models import OutboxEvent, ProcessedEvent
from divan.sql import table

_OUTBOX, _PROCESSED = table(OutboxEvent), table(ProcessedEvent)

# One event, its id drawn by PostgreSQL (gen_random_uuid, version 4) in the INSERT itself.
OUTBOX_INSERT = (
    f"INSERT INTO {_OUTBOX} (event_id, type, aggregate_type, aggregate_id, payload, created_at,"
    " attempts, last_error) VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, 0, '')"
    " RETURNING event_id"
)

# Due events, oldest first, claimed (locked, skipping those another dispatcher holds) and marked
# dispatched in one statement; read as the stream wants them (the payload as its JSON text, the
# time as ISO 8601), with no model in between. The mark commits only after their XADD.
OUTBOX_CLAIM = (
    f"UPDATE {_OUTBOX} AS e SET dispatched_at = %s, attempts = e.attempts + 1"
    f" WHERE e.id IN (SELECT id FROM {_OUTBOX}"
    "  WHERE dispatched_at IS NULL AND set_aside_at IS NULL"
    "  AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
    "  ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
    " RETURNING e.id, e.event_id::text, e.type, e.aggregate_type, e.aggregate_id,"
    " e.payload::text, to_json(e.created_at) #>> '{}', e.attempts"
)

# Dispatched events in an id range that some configured consumer has no record of applying:
# made pending again, their attempts counted from zero.
OUTBOX_RESEND = (
    f"UPDATE {_OUTBOX} AS e SET dispatched_at = NULL, next_attempt_at = NULL, attempts = 0"
    " WHERE e.id > %s AND e.id <= %s AND e.dispatched_at IS NOT NULL AND EXISTS ("
    "  SELECT 1 FROM unnest(%s::text[]) AS c(name) WHERE NOT EXISTS ("
    f"   SELECT 1 FROM {_PROCESSED} AS p WHERE p.consumer = c.name AND p.event_id = e.event_id))"
)

# A consumer's record of one event applied; no row back when it was recorded already.
PROCESSED_RECORD = (
    f"INSERT INTO {_PROCESSED} (consumer, event_id, processed_at) VALUES (%s, %s, %s)"
    " ON CONFLICT (consumer, event_id) DO NOTHING RETURNING id"
)
