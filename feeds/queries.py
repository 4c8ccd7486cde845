"""The SQL statements of feeds, each built once per process (divan/sql.py), by name; the live
rules come from communities/rules.py."""

from django.db.models import BooleanField, Func
from django.db.models.expressions import RawSQL

from communities.models import Group, Membership, Post
from communities.rules import LIVE_MEMBERSHIP, LIVE_POST
from divan.sql import table
from feeds.models import FeedEntry, FeedReader, LargeGroupPost, PostScore

_ENTRY, _MEMBERSHIP, _POST, _READER = (
    table(FeedEntry), table(Membership), table(Post), table(FeedReader)
)  # fmt: skip
_GROUP, _SCORE, _LARGE = table(Group), table(PostScore), table(LargeGroupPost)

# --- fan-out (services/fanout.py)
# The feed rows of one chunk's active members, set-based; the readers it reached.
FANOUT_INSERT_ENTRIES = (
    f"INSERT INTO {_ENTRY} (user_id, post_id, group_id, created_at)"
    f" SELECT m.user_id, p.id, p.group_id, p.created_at FROM {_MEMBERSHIP} AS m"
    f" JOIN {_POST} AS p ON p.group_id = m.group_id"
    f" JOIN {_READER} AS r ON r.user_id = m.user_id AND r.read_at >= %s"
    f" WHERE p.id = %s AND {LIVE_POST.sql('p')}"
    " AND m.user_id > %s AND m.user_id <= %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING RETURNING user_id"
)
# A new member's feed gets the group's newest live posts that were fanned out.
FEED_BACKFILL = (
    f"INSERT INTO {_ENTRY} (user_id, post_id, group_id, created_at)"
    f" SELECT %s, p.id, p.group_id, p.created_at FROM {_POST} AS p"
    f" WHERE p.group_id = %s AND {LIVE_POST.sql('p')}"
    f" AND NOT EXISTS (SELECT FROM {_LARGE} AS l WHERE l.post_id = p.id)"
    " ORDER BY p.id DESC LIMIT %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING"
)
# How a new post is served, decided once from its group's size as this statement reads it: a
# group over the limit records it to be read at request time, any other gives the author's row.
FEED_ADD_OWN = (
    f"WITH g AS (SELECT member_count > %s AS large FROM {_GROUP} WHERE id = %s),"
    f" read_at_request AS (INSERT INTO {_LARGE} (post_id) SELECT %s FROM g WHERE large"
    "  ON CONFLICT (post_id) DO NOTHING),"
    f" own AS (INSERT INTO {_ENTRY} (user_id, post_id, group_id, created_at)"
    f"  SELECT %s, p.id, p.group_id, p.created_at FROM g, {_POST} AS p WHERE p.id = %s"
    "  AND NOT large ON CONFLICT (user_id, post_id) DO NOTHING)"
    " SELECT large FROM g"
)

# --- rebuilds and readers (services/rebuild.py)
# A reader's feed as fan-out would have made it: in each live group they belong to, of the live
# posts that were fanned out (not read at request time), those since they joined and the
# FEED_JOIN_BACKFILL newest before.
_FANNED_OUT = (
    f"SELECT id, group_id, created_at FROM {_POST} AS p WHERE group_id = m.group_id"
    f" AND {LIVE_POST.sql()}"
    f" AND NOT EXISTS (SELECT FROM {_LARGE} AS l WHERE l.post_id = p.id)"
)
FEED_REBUILD = (
    f"INSERT INTO {_ENTRY} (user_id, post_id, group_id, created_at)"
    f" SELECT m.user_id, p.id, p.group_id, p.created_at FROM {_MEMBERSHIP} AS m"
    f" JOIN {_GROUP} AS g ON g.id = m.group_id AND {LIVE_MEMBERSHIP.sql('g')}"
    " JOIN LATERAL ("
    f"  ({_FANNED_OUT} AND created_at > m.created_at)"
    "  UNION"
    f"  ({_FANNED_OUT} AND created_at <= m.created_at ORDER BY id DESC LIMIT %s)"
    " ) AS p ON true"
    " WHERE m.user_id = %s"
    " ON CONFLICT (user_id, post_id) DO NOTHING"
)
# An advisory lock (a rebuild's, of one reader), until the transaction ends; a session's one,
# released.
ADVISORY_XACT_LOCK = "SELECT pg_advisory_xact_lock(%s, %s)"
ADVISORY_UNLOCK = "SELECT pg_advisory_unlock(%s, %s)"
# Marks a reader active, holding the reader's rebuild lock (session-level: it outlives the
# commit, so that the reader's other reads wait for a rebuild to end); their read_at before
# (NULL for a new reader), from the statement's snapshot.
READER_MARK_ACTIVE = (
    f"INSERT INTO {_READER} AS r (user_id, read_at)"
    " SELECT %s, %s FROM (SELECT pg_advisory_lock(%s, %s)) AS locked"
    " ON CONFLICT (user_id) DO UPDATE SET read_at = EXCLUDED.read_at"
    f" RETURNING (SELECT read_at FROM {_READER} WHERE user_id = %s)"
)
# A reader's read_at, once any rebuild of their feed under way has ended.
READER_READ_AT = (
    "SELECT read_at FROM (SELECT pg_advisory_xact_lock(%s, %s)) AS waited"
    f" LEFT JOIN {_READER} ON user_id = %s"
)

# --- scores (services/rescoring.py): upserts scores, writing only those that changed.
UPSERT_SCORES = (
    f"INSERT INTO {_SCORE} AS s (post_id, group_id, score, updated_at)"
    " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::timestamptz[])"
    " ON CONFLICT (post_id) DO UPDATE SET score = EXCLUDED.score, updated_at = EXCLUDED.updated_at"
    " WHERE s.score IS DISTINCT FROM EXCLUDED.score"
)


# --- feed pages (selectors.py)
def id_array(post_ids: list[int]) -> RawSQL:
    """Post ids as one array literal: Django would copy and adapt a list item by item."""
    return RawSQL("%s::bigint[]", ("{" + ",".join(map(str, post_ids)) + "}",))


class IdAmong(Func):
    """`id = ANY(%s)`: thousands of ids as one array parameter, not a placeholder each."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()
