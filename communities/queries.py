"""The SQL statements of communities, each built once per process (divan/sql.py), by name.

Who may see what is not restated here: the live rules come from communities/rules.py, and the
visibility tables stay in selectors/visibility.py (search splices in their compiled querysets).
"""

import functools
from dataclasses import dataclass

from django.db.models import BooleanField, Func

from communities.models import (
    Ban,
    Block,
    Comment,
    Group,
    Invitation,
    InvitationStatus,
    Membership,
    Post,
    PostTag,
    Reaction,
    Tag,
    TagCount,
)
from communities.rules import LIVE_COMMENT, LIVE_GROUP, LIVE_POST, NOT_DELETED
from divan.models import User
from divan.sql import table

_GROUP, _MEMBERSHIP, _INVITATION = table(Group), table(Membership), table(Invitation)
_POSTS, _COMMENTS, _REACTIONS, _USERS = table(Post), table(Comment), table(Reaction), table(User)
_TAG, _POST_TAG, _TAG_COUNT = table(Tag), table(PostTag), table(TagCount)
_BLOCK = table(Block)

# --- visibility: a live group with the viewer's role and pending invitation, in one query.
GROUP_WITH_STANDING = (
    f"SELECT g.*, m.role AS viewer_role, EXISTS (SELECT 1 FROM {_INVITATION} AS i"
    "  WHERE i.group_id = g.id AND i.user_id = %(viewer)s AND i.status = %(pending)s)"
    "  AS viewer_invited"
    f" FROM {_GROUP} AS g LEFT JOIN {_MEMBERSHIP} AS m"
    "  ON m.group_id = g.id AND m.user_id = %(viewer)s"
    f" WHERE g.id = %(group)s AND {LIVE_GROUP.sql('g')}"
)

# --- blocks (selectors/visibility.py's KEEPS_OUT): a row whose author ({author}) the viewer
# (%s) keeps out by one of these kinds (%s). NOT IN over one viewer's rows, uncorrelated, is
# read once per statement and probed as a hash; a deleted author (NULL) is no one's block.
_NOT_BLOCKED = (
    "({author} IS NULL OR {author} NOT IN"
    f" (SELECT target_id FROM {_BLOCK} WHERE user_id = %s AND kind = ANY(%s)))"
)


class NotBlocked(Func):
    """Whether a post's or a comment's author (the one expression) is outside the viewer's
    blocks of `kinds`: an expression the ORM compiles as a column and two parameters (a
    subquery built by the ORM cost more to compile than the page's query gains)."""

    output_field = BooleanField()

    def __init__(self, author, *, viewer_id: int, kinds: list[str]):
        super().__init__(author)
        self.viewer_id, self.kinds = viewer_id, kinds

    def as_sql(self, compiler, connection, **extra_context):
        author, params = compiler.compile(self.source_expressions[0])
        sql = _NOT_BLOCKED.format(author=author)
        return sql, (*params, *params, self.viewer_id, self.kinds)


# --- visibility for a user-id column (selectors/visibility.py renders MAY_KNOW and MAY_READ with
# these; notifications decides a whole recipient set in one statement): templates of `{group}`
# (a group table's alias) and `{user}` (an SQL expression of a user id).
MEMBER_OF_SQL = (
    f"EXISTS (SELECT FROM {_MEMBERSHIP} AS am WHERE am.group_id = {{group}}.id"
    " AND am.user_id = {user})"
)
INVITED_TO_SQL = (
    f"EXISTS (SELECT FROM {_INVITATION} AS ai WHERE ai.group_id = {{group}}.id"
    f" AND ai.user_id = {{user}} AND ai.status = '{InvitationStatus.PENDING}')"
)
# A ban in force (Ban.objects.active()): no expiry, or one still ahead.
BANNED_FROM_SQL = (
    f"EXISTS (SELECT FROM {table(Ban)} AS ab WHERE ab.group_id = {{group}}.id"
    " AND ab.user_id = {user} AND (ab.expires_at IS NULL OR ab.expires_at > now()))"
)


# --- the search index (services/search.py): a row's new vector from its own columns, NULL
# unless it is live; %(config)s is the configuration's name.
_POST_VECTOR = (
    f"CASE WHEN {LIVE_POST.sql()} THEN"
    " setweight(to_tsvector(%(config)s::regconfig, title), 'A')"
    " || setweight(to_tsvector(%(config)s::regconfig, body), 'B') END"
)
_COMMENT_VECTOR = (
    f"CASE WHEN {LIVE_COMMENT.sql()} THEN"
    " setweight(to_tsvector(%(config)s::regconfig, body), 'B') END"
)


def _vector_update(table_name: str, vector: str, rows: str) -> str:
    """One UPDATE of the vectors of `rows` (a condition on `id`) that changes only the rows
    whose vector differs. The vector is stated twice rather than joined from a subquery: under
    a concurrent edit, PostgreSQL re-evaluates both against the row version it writes, so the
    vector written always belongs to the text beside it."""
    return (
        f"UPDATE {table_name} SET search_vector = {vector}"
        f" WHERE {rows} AND search_vector IS DISTINCT FROM {vector}"
    )


_ONE, _RANGE = "id = %(id)s", "id BETWEEN %(start)s AND %(end)s"
SEARCH_INDEX_POST = _vector_update(_POSTS, _POST_VECTOR, _ONE)
SEARCH_INDEX_COMMENT = _vector_update(_COMMENTS, _COMMENT_VECTOR, _ONE)
SEARCH_REINDEX_POSTS = _vector_update(_POSTS, _POST_VECTOR, _RANGE)
SEARCH_REINDEX_COMMENTS = _vector_update(_COMMENTS, _COMMENT_VECTOR, _RANGE)


# --- search (selectors/search.py): the kinds of rows it finds, as its API names them, with
# their table and the column that gives their post.
_SEARCHED = {"post": (_POSTS, "t.id"), "comment": (_COMMENTS, "t.post_id")}
# ts_headline marks the matched words in the text, HTML-escaped first (as django.utils.html's
# escape does, & first), so that a snippet holds no markup but these tags. PostgreSQL's parser
# reads each entity as one token, so a snippet never ends inside one.
# (character as an SQL literal's content, entity): the single quote is doubled in SQL.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("''", "&#x27;"))


def _escaped(column: str) -> str:
    for char, entity in _ESCAPES:
        column = f"replace({column}, '{char}', '{entity}')"
    return column


def _search_hits(kind: str) -> str:
    """The matching rows of one kind with their rank, among the ids that `{kind}` (the
    readable rows' ids, spliced in per viewer) selects."""
    table_name, post_id = _SEARCHED[kind]
    return (
        f"SELECT '{kind}'::text AS kind, t.id, {post_id} AS post_id, t.created_at,"
        " ts_rank_cd(t.search_vector, query)::numeric::float8 AS rank"
        f" FROM {table_name} AS t, websearch_to_tsquery(%s::regconfig, %s) AS query"
        f" WHERE t.search_vector @@ query AND t.id IN ({{{kind}}})"
    )


@functools.cache
def search_page(kinds: tuple[str, ...], *, after: bool) -> str:
    """A search page over these kinds (after a cursor's key or not), built once per shape; a
    `{post}` / `{comment}` slot per kind takes the SQL of the ids the viewer may read."""
    after_sql = "WHERE (rank, kind, id) < (%s::float8, %s::text, %s::bigint)" if after else ""
    return (
        f"WITH hits AS ({' UNION ALL '.join(_search_hits(kind) for kind in kinds)}),"
        f" page AS (SELECT * FROM hits {after_sql} ORDER BY rank DESC, kind DESC, id DESC LIMIT %s)"
        " SELECT page.kind, page.id, page.post_id, page.rank, page.created_at, p.title,"
        " g.id, g.slug, g.name, ts_headline(%s::regconfig,"
        f" {_escaped('COALESCE(c.body, p.body)')}, websearch_to_tsquery(%s::regconfig, %s), %s)"
        f" FROM page JOIN {_POSTS} AS p ON p.id = page.post_id"
        f" JOIN {_GROUP} AS g ON g.id = p.group_id"
        f" LEFT JOIN {_COMMENTS} AS c ON page.kind = 'comment' AND c.id = page.id"
        " ORDER BY page.rank DESC, page.kind DESC, page.id DESC"
    )


# --- reactions (services/reactions.py)
@dataclass(frozen=True)
class ReactionSQL:
    """What a reaction to one kind of target (a post, or a comment) runs."""

    column: str  # the reaction's column that points at the target
    state: str  # the target's (id, live, locked), live unless it or its post is deleted
    insert: str
    delete: str
    delete_any: str  # as `delete`, from deleted content too
    count: str


def _reaction_sql(*, table_name: str, column: str, state: str, lock: str) -> ReactionSQL:
    # The target's row, locked by the subquery that the reaction's row is inserted from, or
    # deleted by a join with: so it is locked before the reaction's row.
    locked = f"({state} FOR NO KEY UPDATE{lock}) AS t"
    targets = "t.id, NULL::bigint" if column == "post_id" else "NULL::bigint, t.id"
    return ReactionSQL(
        column=column,
        state=state,
        insert=(
            f"INSERT INTO {_REACTIONS} (user_id, kind, post_id, comment_id, created_at)"
            f" SELECT %s, %s, {targets}, %s FROM {locked} WHERE t.live AND NOT t.locked"
            " ON CONFLICT DO NOTHING RETURNING id"
        ),
        delete=(
            f"DELETE FROM {_REACTIONS} AS r USING {locked}"
            f" WHERE r.{column} = %s AND r.user_id = %s AND r.kind = %s"
            f" AND r.{column} = t.id AND t.live RETURNING r.id"
        ),
        delete_any=(
            f"DELETE FROM {_REACTIONS} AS r USING {locked}"
            f" WHERE r.{column} = %s AND r.user_id = %s AND r.kind = %s"
            f" AND r.{column} = t.id RETURNING r.id"
        ),
        # The counters by a delta, and the author's reputation by the same delta unless the
        # author reacted: the target's row (locked already), then the author's.
        count=(
            f"WITH counted AS (UPDATE {table_name} SET reactions_count = reactions_count + %s,"
            " reaction_counts = jsonb_set(reaction_counts, %s::text[],"
            " to_jsonb(COALESCE((reaction_counts ->> %s)::int, 0) + %s))"
            " WHERE id = %s RETURNING author_id)"
            f" UPDATE {_USERS} SET reputation = reputation + %s"
            " WHERE id = (SELECT author_id FROM counted) AND id <> %s"
        ),
    )


REACTION_ON_POST = _reaction_sql(
    table_name=_POSTS,
    column="post_id",
    state=f"SELECT id, {NOT_DELETED.sql()} AS live, locked FROM {_POSTS} WHERE id = %s",
    lock="",
)
REACTION_ON_COMMENT = _reaction_sql(
    table_name=_COMMENTS,
    column="comment_id",
    state=(
        f"SELECT c.id, {NOT_DELETED.sql('c')} AND {NOT_DELETED.sql('p')} AS live, p.locked"
        f" FROM {_COMMENTS} AS c JOIN {_POSTS} AS p ON p.id = c.post_id WHERE c.id = %s"
    ),
    lock=" OF c",  # the comment's row only: its counters move, its post's do not
)
# A shared lock on a comment's post, taken before the comment's row (services/locks.py).
POST_SHARE_LOCK = f"SELECT 1 FROM {_POSTS} WHERE id = %s FOR SHARE"


# --- tags (services/tags.py)
def _count_changes(changes: str) -> str:
    """Adds `changes` (rows of tag_id, shown, hidden) to a group's TagCount rows, creating the
    missing ones, in tag order: two writes over the same tags wait on each other in turn, never
    in a cycle. The text after AS in a data-modifying CTE, or a statement of its own."""
    return (
        f"INSERT INTO {_TAG_COUNT} AS counts (group_id, tag_id, shown_posts, hidden_posts)"
        f" SELECT %s, tag_id, SUM(shown), SUM(hidden) FROM ({changes}) AS changes"
        " GROUP BY tag_id ORDER BY tag_id"
        " ON CONFLICT (group_id, tag_id) DO UPDATE SET"
        " shown_posts = counts.shown_posts + EXCLUDED.shown_posts,"
        " hidden_posts = counts.hidden_posts + EXCLUDED.hidden_posts"
    )


# Makes a shown post's tags exactly those of these names that exist, counts what changed, and
# answers the names in the order reads list a post's tags (by name, in the database's collation).
SET_POST_TAGS = (
    f"WITH found AS (SELECT id, name FROM {_TAG} WHERE name = ANY(%s::text[])),"
    f" gone AS (DELETE FROM {_POST_TAG} WHERE post_id = %s"
    "  AND tag_id NOT IN (SELECT id FROM found) RETURNING tag_id),"
    f" linked AS (INSERT INTO {_POST_TAG} (post_id, tag_id) SELECT %s, id FROM found"
    "  ON CONFLICT DO NOTHING RETURNING tag_id),"
    " counted AS ("
    + _count_changes(
        "SELECT tag_id, 1 AS shown, 0 AS hidden FROM linked"
        " UNION ALL SELECT tag_id, -1, 0 FROM gone"
    )
    + ") SELECT name FROM found ORDER BY name"
)
# Moves a group's counts of each of a post's tags by (shown, hidden).
COUNT_POST_TAGS = _count_changes(
    f"SELECT tag_id, %s AS shown, %s AS hidden FROM {_POST_TAG} WHERE post_id = %s"
)
