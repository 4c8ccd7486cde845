"""The full-text index of posts and comments: each row's `search_vector`, computed in SQL
(communities/queries.py).

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
from django.db import transaction
from django.db.models import Max, Min

from communities import queries
from communities.models import Comment, Post
from divan.sql import execute


def _index(statement: str, params: dict) -> int:
    return execute(statement, {"config": settings.SEARCH_CONFIG, **params})


def search_index_post(post_id: int) -> None:
    """Bring the post's vector up to date with its title, body and state; a missing post is
    no error (it may have been deleted for good since the event)."""
    _index(queries.SEARCH_INDEX_POST, {"id": post_id})


def search_index_comment(comment_id: int) -> None:
    """Bring the comment's vector up to date with its body and state; a missing comment is no
    error."""
    _index(queries.SEARCH_INDEX_COMMENT, {"id": comment_id})


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
    for kind, model, statement in (
        ("post", Post, queries.SEARCH_REINDEX_POSTS),
        ("comment", Comment, queries.SEARCH_REINDEX_COMMENTS),
    ):
        changed[kind] = 0
        bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
        if bounds["low"] is None:
            continue
        for start in range(bounds["low"], bounds["high"] + 1, batch_size):
            end = min(start + batch_size - 1, bounds["high"])
            with transaction.atomic():
                changed[kind] += _index(statement, {"start": start, "end": end})
            if progress is not None:
                progress(kind, end, bounds["high"], changed[kind])
    return changed
