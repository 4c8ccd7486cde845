"""Full-text search over the posts and comments a viewer may read, one page in one query.

Matches come from the `search_vector` columns (services/search.py keeps them), through their GIN
indexes, with `websearch_to_tsquery` (quotes, `or`, `-word`; it never fails on odd input) in
SEARCH_CONFIG. Who may read what is not restated here: the readable rows are the ORM querysets
below, built on `content_visible_groups` and the viewer's blocks (`not_blocked_q`), compiled
into the statement as subqueries. They also keep hidden and deleted rows out when the index is
stale, whatever their vector says.

A page is ordered by rank, best first, then posts before comments, then newest first; the next
page starts after the (rank, type, id) key of the last row. Ranks are `ts_rank_cd`, as doubles
rounded to the six significant digits of its float4 result: exact through JSON and the cursor.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from communities import queries
from communities.models import Comment, Post
from communities.rules import LIVE_COMMENT, LIVE_POST
from communities.selectors.visibility import content_visible_groups, not_blocked_q
from divan.sql import fetch_all

POST = "post"
COMMENT = "comment"
TYPES = (POST, COMMENT)

# ts_headline marks the matched words in the text, HTML-escaped first (communities/queries.py).
HEADLINE_OPTIONS = 'StartSel="<mark>", StopSel="</mark>", MaxWords=35, MinWords=15'


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
    deleted nor hidden): search shows no one hidden posts, moderators included, nor anyone the
    posts of people they block."""
    return Post.objects.filter(
        LIVE_POST.q(), not_blocked_q(viewer), group__in=content_visible_groups(viewer)
    )


def searchable_comments(posts: QuerySet[Post], viewer) -> QuerySet[Comment]:
    """The comments on `posts` that are neither deleted nor hidden, nor by someone the viewer
    blocks (a hit on a comment shows its post's title: `posts` leave blocked authors' out)."""
    return Comment.objects.filter(LIVE_COMMENT.q(), not_blocked_q(viewer), post__in=posts)


def _ids_sql(queryset: QuerySet) -> tuple[str, tuple]:
    """The queryset's ids as SQL with its parameters; a queryset that can match nothing (the
    ORM refuses to compile it) as a select of no rows."""
    try:
        return queryset.values("id").query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL::bigint WHERE false", ()


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
    config = settings.SEARCH_CONFIG
    posts = searchable_posts(viewer)
    if group_id is not None:
        posts = posts.filter(group_id=group_id)
    if tag is not None:
        posts = posts.filter(tags__name=tag)

    kinds = TYPES if type is None else (type,)
    readable, params = {}, []
    for kind in kinds:
        rows = posts if kind == POST else searchable_comments(posts, viewer)
        readable[kind], readable_params = _ids_sql(rows)
        params += [config, q, *readable_params]
    if after is not None:
        params += [after.rank, after.type, after.id]
    params += [page_size + 1, config, config, q, HEADLINE_OPTIONS]
    # the statement's text is built once per shape; only the readable ids' SQL is the viewer's
    sql = queries.search_page(kinds, after=after is not None).format(**readable)
    rows = fetch_all(sql, params)

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
