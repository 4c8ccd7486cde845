"""Reactions: the one path that inserts and deletes them, and keeps their counters exact.

A reaction row and everything counted from it change in one transaction: the target's
`reactions_count` and its per-kind `reaction_counts` move together in a single UPDATE, and the
content author's `reputation` by F(). The unique constraint on (user, target, kind) decides
races between two adds; counters move only when a row was really inserted or deleted. Reacting
to one's own content earns no reputation.

Locks follow the order in services/membership.py: the member's own membership row (adds only),
then the target's row (the post, or the comment), then the reaction row, then the author's row.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, JSONField
from django.db.models.expressions import RawSQL

from communities.models import Comment, Post, Reaction
from communities.services.comments import LOCKED_POST
from communities.services.membership import require_can_post
from communities.services.posts import lock_post_row
from divan.exceptions import Conflict, InvalidInput, NotFound
from divan.models import User

# A lost race (another request deleted the row that beat our insert) is retried this often.
INSERT_ATTEMPTS = 3


def reaction_kind_check(kind: str) -> None:
    """InvalidInput unless `kind` is one of settings.REACTION_KINDS."""
    if kind not in settings.REACTION_KINDS:
        choices = ", ".join(settings.REACTION_KINDS)
        raise InvalidInput({"kind": [f'"{kind}" is not a valid choice. Choose from: {choices}.']})


def _counts_moved(kind: str, delta: int) -> dict:
    """The target's counters moved by `delta`, in the UPDATE itself: no read-modify-write."""
    return {
        "reactions_count": F("reactions_count") + delta,
        "reaction_counts": RawSQL(
            "jsonb_set(reaction_counts, %s::text[],"
            " to_jsonb(COALESCE((reaction_counts ->> %s)::int, 0) + %s))",
            ([kind], kind, delta),
            output_field=JSONField(),
        ),
    }


def _target(*, post: Post | None, comment: Comment | None) -> tuple[dict, Post, int | None]:
    """The reaction's target as filter kwargs, its post, and the content's author id."""
    if (post is None) == (comment is None):
        raise ValueError("A reaction targets exactly one of a post or a comment.")
    if post is not None:
        post = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).first()
        if post is None:
            raise NotFound("No post matches the given query.")
        return {"post_id": post.pk}, post, post.author_id
    comment = (
        Comment.objects.select_related("post")
        .filter(pk=comment.pk, deleted_at__isnull=True, post__deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        raise NotFound("No comment matches the given query.")
    return {"comment_id": comment.pk}, comment.post, comment.author_id


def _lock_target(*, target: dict, post: Post) -> Post:
    """Lock the row whose counters the reaction moves (the post, or the comment) before the
    reaction's row, and return the post as it now is (locked itself when it is the target).
    NotFound once the target is deleted."""
    if "post_id" in target:
        return lock_post_row(post.pk)
    comment = Comment.objects.select_for_update(no_key=True).filter(
        pk=target["comment_id"], deleted_at__isnull=True
    )
    if not comment.exists():
        raise NotFound("No comment matches the given query.")
    return post


def _move_counters(*, target: dict, author_id: int | None, user, kind: str, delta: int) -> None:
    model = Post if "post_id" in target else Comment
    model.objects.filter(pk=next(iter(target.values()))).update(**_counts_moved(kind, delta))
    if author_id is not None and author_id != user.pk:
        User.objects.filter(pk=author_id).update(reputation=F("reputation") + delta)


def reaction_add(
    *, user, kind: str, post: Post | None = None, comment: Comment | None = None
) -> tuple[Reaction, bool]:
    """Add the user's reaction of `kind` to a post or a comment: (reaction, created). A reaction
    that exists is returned as it is, with created False and no counter moved. Members only; a
    locked post takes no new reaction, on itself or on its comments (409)."""
    reaction_kind_check(kind)
    with transaction.atomic():
        target, target_post, author_id = _target(post=post, comment=comment)
        require_can_post(group_id=target_post.group_id, user=user, doing="react")
        target_post = _lock_target(target=target, post=target_post)
        if target_post.locked:
            raise Conflict(LOCKED_POST)
        for _ in range(INSERT_ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: the unique constraint arbitrates
                    reaction = Reaction.objects.create(user=user, kind=kind, **target)
            except IntegrityError:
                existing = Reaction.objects.filter(user=user, kind=kind, **target).first()
                if existing is not None:
                    return existing, False
                continue  # removed again since the insert failed: try once more
            _move_counters(target=target, author_id=author_id, user=user, kind=kind, delta=+1)
            return reaction, True
    raise Conflict("This reaction is changing concurrently; try again.")


def reaction_remove(
    *, user, kind: str, post: Post | None = None, comment: Comment | None = None
) -> bool:
    """Remove the user's reaction of `kind`, if there is one: True when a row was deleted, and
    only then do the counters move. Allowed on locked posts, and for former members."""
    reaction_kind_check(kind)
    with transaction.atomic():
        target, target_post, author_id = _target(post=post, comment=comment)
        _lock_target(target=target, post=target_post)
        deleted, _ = Reaction.objects.filter(user=user, kind=kind, **target).delete()
        if not deleted:
            return False
        _move_counters(target=target, author_id=author_id, user=user, kind=kind, delta=-1)
    return True
