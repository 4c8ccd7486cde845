"""Full-text search over the posts and comments a viewer may read, one page in one query.

Matches come from the `search_vector` columns (services/search.py keeps them), through their GIN
indexes, with `websearch_to_tsquery` (quotes, `or`, `-word`; it never fails on odd input) in
SEARCH_CONFIG. Who may read what is not restated here: the readable rows are the ORM querysets
below, built on `content_visible_groups`, compiled into the statement as subqueries. They also
keep hidden and deleted rows out when the index is stale, whatever their vector says.

A page is ordered by rank, best first, then posts before comments, then newest first; the next
page starts after the (rank, type, id) key of the last row. Ranks are `ts_rank_cd`, as doubles
rounded to the six significant digits of its float4 result: exact through JSON and the cursor.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from communities.models import Comment, Group, Post
from communities.selectors.visibility import content_visible_groups

POST = "post"
COMMENT = "comment"
TYPES = (POST, COMMENT)

# ts_headline marks the matched words in the text, HTML-escaped first (as django.utils.html's
# escape does, & first), so that a snippet holds no markup but these tags. PostgreSQL's parser
# reads each entity as one token, so a snippet never ends inside one.
HEADLINE_OPTIONS = 'StartSel="<mark>", StopSel="</mark>", MaxWords=35, MinWords=15'
# (character as an SQL literal's content, entity): the single quote is doubled in SQL.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("''", "&#x27;"))


@dataclass(frozen=True)
class SearchKey:
    """Where a row stands in the search order; a page starts after its cursor's key."""

    rank: float
    type: str
    id: int


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: int
    post_id: int
    group: dict
    title: str
    snippet: str
    rank: float
    created_at: datetime

    @property
    def key(self) -> SearchKey:
        return SearchKey(rank=self.rank, type=self.type, id=self.id)


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchHit]
    next_key: SearchKey | None  # None on the last page


def searchable_posts(viewer) -> QuerySet[Post]:
    """The posts anyone who may read them sees (those of `visible_posts` that are neither
    deleted nor hidden): search shows no one hidden posts, moderators included."""
    return Post.objects.filter(
        group__in=content_visible_groups(viewer), deleted_at__isnull=True, hidden_at__isnull=True
    )


def searchable_comments(posts: QuerySet[Post]) -> QuerySet[Comment]:
    """The comments on `posts` that are neither deleted nor hidden."""
    return Comment.objects.filter(post__in=posts, deleted_at__isnull=True, hidden_at__isnull=True)


def _ids_sql(queryset: QuerySet) -> tuple[str, tuple]:
    """The queryset's ids as SQL with its parameters; a queryset that can match nothing (the
    ORM refuses to compile it) as a select of no rows."""
    try:
        return queryset.values("id").query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL::bigint WHERE false", ()


def _escaped(column: str) -> str:
    for char, entity in _ESCAPES:
        column = f"replace({column}, '{char}', '{entity}')"
    return column


def _hits_sql(kind: str, table: str, post_id: str, readable: str) -> str:
    """The matching rows of one table with their rank, among the ids that `readable` selects."""
    return (
        f"SELECT '{kind}'::text AS kind, t.id, {post_id} AS post_id, t.created_at,"
        " ts_rank_cd(t.search_vector, query)::numeric::float8 AS rank"
        f" FROM {table} AS t, websearch_to_tsquery(%s::regconfig, %s) AS query"
        f" WHERE t.search_vector @@ query AND t.id IN ({readable})"
    )


def search(
    *,
    viewer,
    q: str,
    group_id: int | None = None,
    tag: str | None = None,
    type: str | None = None,
    after: SearchKey | None = None,
    page_size: int = 20,
) -> SearchPage:
    """The page of posts and comments the viewer may read that match `q`, after the `after`
    key: in the group `group_id` only (a group the viewer may not read gives no rows), on posts
    tagged `tag` (normalized) only, of one `type` only ("post" or "comment"). One query, with
    the snippets highlighted for the page's rows only."""
    if type not in (None, *TYPES):
        raise ValueError(f"type must be one of {TYPES} or None, not {type!r}.")
    quote = connection.ops.quote_name
    post_table, comment_table, group_table = (
        quote(model._meta.db_table) for model in (Post, Comment, Group)
    )
    config = settings.SEARCH_CONFIG
    posts = searchable_posts(viewer)
    if group_id is not None:
        posts = posts.filter(group_id=group_id)
    if tag is not None:
        posts = posts.filter(tags__name=tag)

    parts, params = [], []
    if type in (None, POST):
        readable, readable_params = _ids_sql(posts)
        parts.append(_hits_sql(POST, post_table, "t.id", readable))
        params += [config, q, *readable_params]
    if type in (None, COMMENT):
        readable, readable_params = _ids_sql(searchable_comments(posts))
        parts.append(_hits_sql(COMMENT, comment_table, "t.post_id", readable))
        params += [config, q, *readable_params]
    after_sql = ""
    if after is not None:
        after_sql = "WHERE (rank, kind, id) < (%s::float8, %s::text, %s::bigint)"
        params += [after.rank, after.type, after.id]
    params += [page_size + 1, config, config, q, HEADLINE_OPTIONS]

    sql = (
        f"WITH hits AS ({' UNION ALL '.join(parts)}),"
        f" page AS (SELECT * FROM hits {after_sql} ORDER BY rank DESC, kind DESC, id DESC LIMIT %s)"
        " SELECT page.kind, page.id, page.post_id, page.rank, page.created_at, p.title,"
        " g.id, g.slug, g.name, ts_headline(%s::regconfig,"
        f" {_escaped('COALESCE(c.body, p.body)')}, websearch_to_tsquery(%s::regconfig, %s), %s)"
        f" FROM page JOIN {post_table} AS p ON p.id = page.post_id"
        f" JOIN {group_table} AS g ON g.id = p.group_id"
        f" LEFT JOIN {comment_table} AS c ON page.kind = '{COMMENT}' AND c.id = page.id"
        " ORDER BY page.rank DESC, page.kind DESC, page.id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    hits = [
        SearchHit(
            type=kind,
            id=hit_id,
            post_id=post_id,
            group={"id": gid, "slug": slug, "name": name},
            title=title,
            snippet=snippet,
            rank=rank,
            created_at=created_at,
        )
        for kind, hit_id, post_id, rank, created_at, title, gid, slug, name, snippet in rows
    ]
    more = len(hits) > page_size
    hits = hits[:page_size]
    return SearchPage(results=hits, next_key=hits[-1].key if more else None)
