"""The SQL statements of notifications, each built once per process (divan/sql.py), by name.

Every recipient set is one statement: a `candidates` subquery (user_id, type, rank) that names
who an event is for, and around it the rules every delivery applies, each derived from where it
is stated (the type table in notifications/types.py, visibility's MAY_READ and MAY_KNOW in
communities/selectors/visibility.py, the live rules in communities/rules.py):
- the actor is never told of their own action, nor a deactivated account of anything;
- a type a recipient turned off (TypeSetting) is not written; one they get by mail is due
  NOTIFICATIONS_MAIL_DELAY_SECONDS later (`mail_due`);
- a type from peers leaves out recipients who blocked or muted the actor, muted the group, or
  muted the post;
- what the type says its recipient must read (`Reads`) they may read now, and the content is
  live; nobody banned from a group is told of its content.
One person gets one item per event: the candidates' first type by rank that passes the rules.
Statements take named parameters, each cast where it is used (server-side binding needs types).
"""

import functools
from collections.abc import Iterable

from communities import queries as community_queries
from communities.models import Block, Comment, Group, Membership, Post
from communities.roles import MODERATOR_ROLES
from communities.rules import LIVE_COMMENT, LIVE_POST, NOT_DELETED
from communities.selectors.visibility import may_know_sql, may_read_sql
from divan.models import User
from divan.sql import table
from notifications.models import (
    GroupLevel,
    Level,
    Notification,
    PostLevel,
    RecipientChunk,
    TypeSetting,
)
from notifications.types import TYPES, Delivery, NotificationType, Reads

_N, _SETTING, _CHUNK = table(Notification), table(TypeSetting), table(RecipientChunk)
_GROUP_LEVEL, _POST_LEVEL, _BLOCK = table(GroupLevel), table(PostLevel), table(Block)
_USERS, _GROUP, _POST, _COMMENT = table(User), table(Group), table(Post), table(Comment)
_MEMBERSHIP = table(Membership)


def _in(kinds: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _kinds(reads: Reads) -> tuple[str, ...]:
    return tuple(str(kind) for kind, spec in TYPES.items() if spec.reads == reads)


# A recipient's delivery of the candidate's type: their own setting, else the type's default.
_DEFAULT = (
    "CASE c.type "
    + " ".join(f"WHEN '{kind}' THEN '{spec.default}'" for kind, spec in TYPES.items())
    + " END"
)
_DELIVERY = f"COALESCE(s.delivery, {_DEFAULT})"

# What each kind of type needs its recipient to read now, about the group `g`, the post `p` and
# the comment `cm` (LEFT JOINed: the item may be about the post itself).
_BANNED = community_queries.BANNED_FROM_SQL.format(group="g", user="c.user_id")
_READABLE = may_read_sql(group="g", user="c.user_id")
_READS = {
    Reads.CONTENT: (
        f"{_READABLE} AND NOT {_BANNED} AND {LIVE_POST.sql('p')}"
        f" AND (%(comment_id)s::bigint IS NULL OR cm.id IS NOT NULL AND {LIVE_COMMENT.sql('cm')})"
    ),
    Reads.OWN_CONTENT: (
        f"{_READABLE} AND NOT {_BANNED} AND (%(comment_id)s::bigint IS NULL"
        f" AND {NOT_DELETED.sql('p')} OR cm.id IS NOT NULL AND {LIVE_POST.sql('p')}"
        f" AND {NOT_DELETED.sql('cm')})"
    ),
    Reads.GROUP: may_know_sql(group="g", user="c.user_id"),
    Reads.MODERATION: (
        f"EXISTS (SELECT FROM {_MEMBERSHIP} AS mm WHERE mm.group_id = g.id"
        f" AND mm.user_id = c.user_id AND mm.role IN {_in(MODERATOR_ROLES)})"
    ),
    Reads.NOTHING: "TRUE",
}
_JOINS = {
    Reads.CONTENT: (
        f" JOIN {_GROUP} AS g ON g.id = %(group_id)s::bigint"
        f" JOIN {_POST} AS p ON p.id = %(post_id)s::bigint"
        f" LEFT JOIN {_COMMENT} AS cm ON cm.id = %(comment_id)s::bigint"
    ),
    # the group named, even where nothing of it is to be read: it must exist
    Reads.GROUP: f" JOIN {_GROUP} AS g ON g.id = %(group_id)s::bigint",
}
_JOINS[Reads.NOTHING] = _JOINS[Reads.MODERATION] = _JOINS[Reads.GROUP]
_JOINS[Reads.OWN_CONTENT] = _JOINS[Reads.CONTENT]

# A peer's action: not for who blocked or muted them, nor for who muted its group or its post.
_FROM_PEERS = (
    f" AND NOT EXISTS (SELECT FROM {_BLOCK} AS b WHERE b.user_id = c.user_id"
    " AND b.target_id = %(actor_id)s::bigint)"
    f" AND NOT EXISTS (SELECT FROM {_GROUP_LEVEL} AS gl WHERE gl.user_id = c.user_id"
    f" AND gl.group_id = %(group_id)s::bigint AND gl.level = '{Level.MUTED}')"
    f" AND NOT EXISTS (SELECT FROM {_POST_LEVEL} AS pl WHERE pl.user_id = c.user_id"
    f" AND pl.post_id = %(post_id)s::bigint AND pl.level = '{Level.MUTED}')"
)

# Folding an event into the item of its target and hour: one more event, its actor first among
# the few kept (distinct), its kind added, unread again, due by mail again if it was mailed.
_FOLD = (
    " ON CONFLICT (recipient_id, group_key) DO UPDATE SET count = n.count + 1,"
    " actor_id = EXCLUDED.actor_id,"
    " actor_ids = (array_prepend(EXCLUDED.actor_id, array_remove(n.actor_ids, EXCLUDED.actor_id))"
    ")[1:%(actors_kept)s::int],"
    " data = CASE WHEN EXCLUDED.data ? 'kinds'"
    "  AND NOT COALESCE(n.data -> 'kinds', '[]'::jsonb) @> (EXCLUDED.data -> 'kinds')"
    "  THEN n.data || jsonb_build_object('kinds',"
    "   COALESCE(n.data -> 'kinds', '[]'::jsonb) || (EXCLUDED.data -> 'kinds'))"
    "  ELSE n.data END,"
    " updated_at = EXCLUDED.updated_at, read_at = NULL,"
    " mail_due_at = CASE WHEN n.mailed_at IS NULL AND n.mail_due_at IS NOT NULL"
    "  THEN n.mail_due_at ELSE EXCLUDED.mail_due_at END,"
    " mailed_at = NULL"
)
_ONCE = " ON CONFLICT (recipient_id, group_key) DO NOTHING"


def _deliver(candidates: str, kinds: Iterable[NotificationType], *, chunk: bool = False) -> str:
    """The statement that writes the items of `candidates` (types among `kinds`, which share
    their reads, their peers rule and their folding); for a `chunk` of watchers (user ids in
    (%(after)s, %(last)s]), leaving out whoever has an item under one of the keys %(taken)s
    (the same event's, written before). Returns each item's type and recipient, new or folded
    in."""
    specs = {TYPES[kind] for kind in kinds}
    (reads,), (from_peers,), (grouped,) = (
        {spec.reads for spec in specs},
        {spec.from_peers for spec in specs},
        {spec.grouped for spec in specs},
    )
    conditions = (
        " WHERE c.user_id IS DISTINCT FROM %(actor_id)s::bigint"
        f" AND {_DELIVERY} <> '{Delivery.OFF}' AND {_READS[reads]}"
        + (_FROM_PEERS if from_peers else "")
        + (
            f" AND NOT EXISTS (SELECT FROM {_N} AS t WHERE t.recipient_id = c.user_id"
            " AND t.group_key = ANY(%(taken)s::text[]))"
            if chunk
            else ""
        )
    )
    return (
        f"INSERT INTO {_N} AS n (recipient_id, type, group_key, group_id, post_id, comment_id,"
        " actor_id, actor_ids, count, data, event_id, created_at, updated_at, mail_due_at)"
        " SELECT DISTINCT ON (c.user_id) c.user_id, c.type, c.type || ':' || %(key)s::text,"
        " %(group_id)s::bigint, %(post_id)s::bigint, %(comment_id)s::bigint,"
        " %(actor_id)s::bigint, %(actor_ids)s::bigint[], 1, %(data)s::jsonb,"
        " %(event_id)s::uuid, %(now)s::timestamptz, %(now)s::timestamptz,"
        f" CASE WHEN {_DELIVERY} = '{Delivery.MAIL}' THEN %(mail_due)s::timestamptz END"
        f" FROM ({candidates}) AS c"
        f" JOIN {_USERS} AS u ON u.id = c.user_id AND u.is_active"
        # the chunk's range said of the users too, so that PostgreSQL reads just those rows of
        # the primary key, not every user to hash them (a chunk then costs the same in a
        # group of 10,000 or of 100,000)
        + (" AND u.id > %(after)s::bigint AND u.id <= %(last)s::bigint" if chunk else "")
        + f" LEFT JOIN {_SETTING} AS s ON s.user_id = c.user_id AND s.type = c.type"
        + _JOINS[reads]
        + conditions
        + " ORDER BY c.user_id, c.rank"
        + (_FOLD if grouped else _ONCE)
        + " RETURNING n.type, n.recipient_id"
    )


# --- candidates
_MENTIONED = (
    f"SELECT id AS user_id, '{NotificationType.MENTION}'::text AS type, 0 AS rank FROM {_USERS}"
    " WHERE username = ANY(%(mentions)s::text[])"
)

# A new comment: who it mentions, then the author of the comment it answers, then the post's
# author (who watches their own post); the watchers of the thread come after, in chunks.
COMMENT_CREATED = _deliver(
    f"{_MENTIONED}"
    f" UNION ALL SELECT author_id, '{NotificationType.COMMENT_REPLY}', 1 FROM {_COMMENT}"
    "  WHERE id = %(parent_id)s::bigint"
    f" UNION ALL SELECT author_id, '{NotificationType.POST_REPLY}', 2 FROM {_POST}"
    "  WHERE id = %(post_id)s::bigint",
    [NotificationType.MENTION, NotificationType.COMMENT_REPLY, NotificationType.POST_REPLY],
)
# A new post: who it mentions; its group's watchers come after, in chunks.
POST_MENTIONS = _deliver(_MENTIONED, [NotificationType.MENTION])

# A reaction: the author of what it is on (a comment, else the post).
REACTION = _deliver(
    f"SELECT CASE WHEN %(comment_id)s::bigint IS NULL"
    f" THEN (SELECT author_id FROM {_POST} WHERE id = %(post_id)s::bigint)"
    f" ELSE (SELECT author_id FROM {_COMMENT} WHERE id = %(comment_id)s::bigint) END AS user_id,"
    f" '{NotificationType.REACTION}'::text AS type, 0 AS rank",
    [NotificationType.REACTION],
)


@functools.cache
def to_user(kind: NotificationType) -> str:
    """An item of `kind` for one person, %(user_id)s."""
    return _deliver(
        f"SELECT %(user_id)s::bigint AS user_id, '{kind}'::text AS type, 0 AS rank", [kind]
    )


@functools.cache
def to_moderators(kind: NotificationType) -> str:
    """An item of `kind` for each moderator (and admin, and owner) of the group."""
    return _deliver(
        f"SELECT user_id, '{kind}'::text AS type, 0 AS rank FROM {_MEMBERSHIP}"
        f" WHERE group_id = %(group_id)s::bigint AND role IN {_in(MODERATOR_ROLES)}",
        [kind],
    )


# --- watchers, in chunks of user ids (after, last]
# The people who watch a group, or a post's thread; `{range}` narrows them to a chunk.
_WATCHERS = {
    NotificationType.GROUP_POST: (
        f"SELECT user_id FROM {_GROUP_LEVEL} WHERE group_id = %(group_id)s::bigint"
        f" AND level = '{Level.WATCHING}'{{range}}"
    ),
    NotificationType.THREAD_COMMENT: (
        f"SELECT user_id FROM {_POST_LEVEL} WHERE post_id = %(post_id)s::bigint"
        f" AND level = '{Level.WATCHING}'{{range}}"
    ),
}
_RANGE = " AND user_id > %(after)s::bigint AND user_id <= %(last)s::bigint"

# A chunk's items: its watchers, but those the event told already (a mention, a reply).
CHUNK_DELIVER = {
    kind: _deliver(
        f"SELECT user_id, '{kind}'::text AS type, 0 AS rank"
        f" FROM ({watchers.format(range=_RANGE)}) AS w",
        [kind],
        chunk=True,
    )
    for kind, watchers in _WATCHERS.items()
}
# The chunks of an event's watchers, by user id, each of at most %(size)s, recorded once; their
# ids. Bounds come from one ordered pass over the watchers' index.
CHUNK_PLAN = {
    kind: (
        f"INSERT INTO {_CHUNK} (event_id, type, payload, after_user_id, last_user_id,"
        " created_at, rows)"
        " SELECT %(event_id)s::uuid, %(type)s::text, %(payload)s::jsonb,"
        " lag(w.user_id, 1, 0::bigint) OVER (ORDER BY w.user_id), w.user_id,"
        " %(now)s::timestamptz, 0"
        " FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS position,"
        f"  count(*) OVER () AS total FROM ({watchers.format(range='')}) AS all_watchers"
        " ) AS w WHERE mod(w.position, %(size)s::bigint) = 0 OR w.position = w.total"
        " ON CONFLICT (event_id, after_user_id) DO NOTHING RETURNING id"
    )
    for kind, watchers in _WATCHERS.items()
}

# --- removal: the items a person (or everyone) may no longer have, of a group
_CONTENT_KINDS = _kinds(Reads.CONTENT) + _kinds(Reads.OWN_CONTENT)
_GROUP_KINDS = _kinds(Reads.GROUP)
_MODERATION_KINDS = _kinds(Reads.MODERATION)
# One person's items about a group's content and its moderators' queues (they left, were
# removed or banned), and those about the group itself once they may not know it (a secret
# group, no invitation). Each removal returns the recipients of what it removed (their unread
# counts change).
REMOVE_MEMBER = (
    f"DELETE FROM {_N} AS n USING {_GROUP} AS g"
    " WHERE g.id = n.group_id AND n.group_id = %(group_id)s::bigint"
    " AND n.recipient_id = %(user_id)s::bigint"
    f" AND (n.type IN {_in(_CONTENT_KINDS + _MODERATION_KINDS)}"
    f" OR (n.type IN {_in(_GROUP_KINDS)}"
    f"  AND NOT ({may_know_sql(group='g', user='n.recipient_id')})))"
    " RETURNING n.recipient_id"
)
# One person's moderators' queues of a group they no longer moderate (their role changed).
REMOVE_DEMOTED = (
    f"DELETE FROM {_N} AS n WHERE n.group_id = %(group_id)s::bigint"
    f" AND n.recipient_id = %(user_id)s::bigint AND n.type IN {_in(_MODERATION_KINDS)}"
    f" AND NOT EXISTS (SELECT FROM {_MEMBERSHIP} AS mm WHERE mm.group_id = n.group_id"
    f" AND mm.user_id = n.recipient_id AND mm.role IN {_in(MODERATOR_ROLES)})"
    " RETURNING n.recipient_id"
)
# One person's items about a group itself once they may not know it: their invitation to a
# secret group ended (declined or revoked).
REMOVE_UNKNOWN = (
    f"DELETE FROM {_N} AS n USING {_GROUP} AS g"
    " WHERE g.id = n.group_id AND n.group_id = %(group_id)s::bigint"
    " AND n.recipient_id = %(user_id)s::bigint"
    f" AND n.type IN {_in(_GROUP_KINDS)}"
    f" AND NOT ({may_know_sql(group='g', user='n.recipient_id')})"
    " RETURNING n.recipient_id"
)
# Everyone's items about a group that they may no longer read (content) or know (the group).
REMOVE_UNREADABLE = (
    f"DELETE FROM {_N} AS n USING {_GROUP} AS g"
    " WHERE g.id = n.group_id AND n.group_id = %(group_id)s::bigint"
    f" AND ((n.type IN {_in(_CONTENT_KINDS)}"
    f"  AND NOT ({may_read_sql(group='g', user='n.recipient_id')}))"
    f" OR (n.type IN {_in(_GROUP_KINDS)}"
    f"  AND NOT ({may_know_sql(group='g', user='n.recipient_id')})))"
    " RETURNING n.recipient_id"
)
