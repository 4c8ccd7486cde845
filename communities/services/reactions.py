"""Reactions: the one path that inserts and deletes them, and keeps their counters exact.

A reaction row and everything counted from it change in one transaction: the target's
`reactions_count` and its per-kind `reaction_counts` move together, with the content author's
`reputation`, in one statement that runs only when a row was really inserted or deleted.
The unique constraint on (user, target, kind) decides races between two adds (INSERT ... ON
CONFLICT DO NOTHING). Reacting to one's own content earns no reputation.

Locks follow the order in services/locks.py: the member's own membership row (adds only),
then the target's row (the post, or the comment, after a shared lock on its post for an add),
then the reaction row, then the author's row.
The target's row is locked by the very statement that inserts or deletes the reaction, in a
subquery that the row change depends on, so that it is locked first, and the row changes only if
the target, as locked, is live (and, for an add, its post unlocked); when no row changed, a read
after it says why: a 404, a 409, or the reaction that exists. The target's id and group come
from the caller, which loaded it (they never change); its author is read from its row.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from communities import queries
from communities.events import EventType, reaction_event
from communities.models import Comment, Post, Reaction
from communities.queries import ReactionSQL
from communities.services.comments import LOCKED_POST
from communities.services.locks import share_post_row
from communities.services.membership import require_can_post
from divan.exceptions import Conflict, InvalidInput, NotFound
from divan.sql import execute, fetch_one

# An add that finds neither a reason to refuse nor the reaction that beat it tries again.
INSERT_ATTEMPTS = 3

_NOT_FOUND = {
    "post_id": "No post matches the given query.",
    "comment_id": "No comment matches the given query.",
}


def reaction_kind_check(kind: str) -> None:
    """InvalidInput unless `kind` is one of settings.REACTION_KINDS."""
    if kind not in settings.REACTION_KINDS:
        choices = ", ".join(settings.REACTION_KINDS)
        raise InvalidInput({"kind": [f'"{kind}" is not a valid choice. Choose from: {choices}.']})


def _target(
    *, post: Post | None, comment: Comment | None, deleted_ok: bool = False
) -> tuple[ReactionSQL, Post | Comment]:
    """The SQL for the target's kind, and the target as the caller loaded it; NotFound when the
    caller already saw it deleted, unless deleted_ok (whether it still is live is decided on its
    locked row)."""
    if (post is None) == (comment is None):
        raise ValueError("A reaction targets exactly one of a post or a comment.")
    sql, target = (
        (queries.REACTION_ON_POST, post)
        if post is not None
        else (queries.REACTION_ON_COMMENT, comment)
    )
    if target.deleted_at is not None and not deleted_ok:
        raise NotFound(_NOT_FOUND[sql.column])
    return sql, target


def _state(sql: ReactionSQL, target_id: int) -> tuple[bool, bool]:
    """(live, locked) of the target, NotFound when it no longer exists."""
    row = fetch_one(sql.state, [target_id])
    if row is None:
        raise NotFound(_NOT_FOUND[sql.column])
    return row[1], row[2]


def _count(sql: ReactionSQL, target_id: int, *, user, kind: str, delta: int) -> None:
    execute(sql.count, [delta, [kind], kind, delta, target_id, delta, user.pk])


def reaction_add(
    *, user, kind: str, post: Post | None = None, comment: Comment | None = None
) -> tuple[Reaction, bool]:
    """Add the user's reaction of `kind` to a post or a comment: (reaction, created). A reaction
    that exists is returned as it is, with created False and no counter moved. Members only; a
    locked post takes no new reaction, on itself or on its comments (409).

    `post`, or `comment` with its post, is the target as the caller loaded it: its group decides
    the membership; whether it is live and its post unlocked is read again under its lock."""
    reaction_kind_check(kind)
    sql, target = _target(post=post, comment=comment)
    target_post = target if post is not None else target.post
    if target_post.deleted_at is not None:
        raise NotFound(_NOT_FOUND[sql.column])
    with transaction.atomic():
        require_can_post(group_id=target_post.group_id, user=user, doing="react")
        if comment is not None:
            # The post's row before the comment's (the lock order), shared: a moderator's lock or
            # delete of the post in progress is waited for, and its outcome read by the insert.
            share_post_row(target_post.pk)
        for _ in range(INSERT_ATTEMPTS):
            created_at = timezone.now()
            inserted = fetch_one(sql.insert, [user.pk, kind, created_at, target.pk])
            if inserted is not None:
                _count(sql, target.pk, user=user, kind=kind, delta=+1)
                reaction_event(
                    EventType.REACTION_ADDED,
                    user=user,
                    kind=kind,
                    post=target_post,
                    comment_id=getattr(comment, "pk", None),
                )
                reaction = Reaction(
                    id=inserted[0],
                    user=user,
                    kind=kind,
                    created_at=created_at,
                    **{sql.column: target.pk},
                )
                reaction._state.adding, reaction._state.db = False, connection.alias
                return reaction, True
            # Nothing inserted: the target is gone or its post locked, or the reaction exists.
            live, locked = _state(sql, target.pk)
            if not live:
                raise NotFound(_NOT_FOUND[sql.column])
            if locked:
                raise Conflict(LOCKED_POST)
            existing = Reaction.objects.filter(
                user=user, kind=kind, **{sql.column: target.pk}
            ).first()
            if existing is not None:
                existing.user = user
                return existing, False
            # Else it was deleted again, or the post unlocked, since the INSERT: try once more.
    raise Conflict("This reaction is changing concurrently; try again.")


def reaction_remove(
    *,
    user,
    kind: str,
    post: Post | None = None,
    comment: Comment | None = None,
    deleted_ok: bool = False,
) -> bool:
    """Remove the user's reaction of `kind`, if there is one: True when a row was deleted, and
    only then do the counters move. Allowed on locked posts, and for former members. With
    deleted_ok (an account being deleted takes back every reaction it gave), from deleted
    content too, which otherwise keeps its reactions."""
    reaction_kind_check(kind)
    sql, target = _target(post=post, comment=comment, deleted_ok=deleted_ok)
    delete = sql.delete_any if deleted_ok else sql.delete
    with transaction.atomic():
        if fetch_one(delete, [target.pk, target.pk, user.pk, kind]) is not None:
            _count(sql, target.pk, user=user, kind=kind, delta=-1)
            reaction_event(
                EventType.REACTION_REMOVED,
                user=user,
                kind=kind,
                post=target if post is not None else target.post,
                comment_id=getattr(comment, "pk", None),
            )
            return True
        live, _locked = _state(sql, target.pk)
        if not live and not deleted_ok:
            raise NotFound(_NOT_FOUND[sql.column])
    return False
