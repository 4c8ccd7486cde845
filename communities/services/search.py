"""The full-text index of posts and comments: each row's `search_vector`, computed in SQL.

A post's vector is its title (weight A) and body (weight B), a comment's its body (B), in the
SEARCH_CONFIG text search configuration; NULL while the row is hidden or deleted, so nobody
finds it. Each function is one UPDATE from the row's current columns, written only when the
vector really changes: running one twice, or out of order, leaves the same row. The event
consumer calls `search_index_post` and `search_index_comment` after each change;
`search_reindex_all` (`manage.py search_reindex`) recomputes everything, after SEARCH_CONFIG
changes.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from communities.models import Comment, Post

_SHOWN = "deleted_at IS NULL AND hidden_at IS NULL"
# The new vector, from the row's own columns; %(config)s is the configuration's name.
_POST_VECTOR = (
    f"CASE WHEN {_SHOWN} THEN"
    " setweight(to_tsvector(%(config)s::regconfig, title), 'A')"
    " || setweight(to_tsvector(%(config)s::regconfig, body), 'B') END"
)
_COMMENT_VECTOR = (
    f"CASE WHEN {_SHOWN} THEN setweight(to_tsvector(%(config)s::regconfig, body), 'B') END"
)


def _update_sql(model, vector: str, rows: str) -> str:
    """One UPDATE of the vectors of `rows` (a condition on `id`) that changes only the rows
    whose vector differs. The vector is stated twice rather than joined from a subquery: under
    a concurrent edit, PostgreSQL re-evaluates both against the row version it writes, so the
    vector written always belongs to the text beside it."""
    table = connection.ops.quote_name(model._meta.db_table)
    return (
        f"UPDATE {table} SET search_vector = {vector}"
        f" WHERE {rows} AND search_vector IS DISTINCT FROM {vector}"
    )


def _index(model, vector: str, rows: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _update_sql(model, vector, rows), {"config": settings.SEARCH_CONFIG, **params}
        )
        return cursor.rowcount


def search_index_post(post_id: int) -> None:
    """Bring the post's vector up to date with its title, body and state; a missing post is
    no error (it may have been deleted for good since the event)."""
    _index(Post, _POST_VECTOR, "id = %(id)s", {"id": post_id})


def search_index_comment(comment_id: int) -> None:
    """Bring the comment's vector up to date with its body and state; a missing comment is no
    error."""
    _index(Comment, _COMMENT_VECTOR, "id = %(id)s", {"id": comment_id})


def search_reindex_all(
    *, batch_size: int = 1000, progress: Callable[[str, int, int, int], None] | None = None
) -> dict[str, int]:
    """Recompute every post's and comment's vector, one UPDATE (in its own transaction) per
    range of `batch_size` ids, so that no statement locks many rows for long. After each range,
    `progress(kind, last_id_done, max_id, changed_so_far)`. Returns how many rows changed, by
    kind ("post", "comment"); run again, it changes none."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    changed = {}
    for kind, model, vector in (
        ("post", Post, _POST_VECTOR),
        ("comment", Comment, _COMMENT_VECTOR),
    ):
        changed[kind] = 0
        bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
        if bounds["low"] is None:
            continue
        for start in range(bounds["low"], bounds["high"] + 1, batch_size):
            end = min(start + batch_size - 1, bounds["high"])
            with transaction.atomic():
                changed[kind] += _index(
                    model, vector, "id BETWEEN %(start)s AND %(end)s", {"start": start, "end": end}
                )
            if progress is not None:
                progress(kind, end, bounds["high"], changed[kind])
    return changed
