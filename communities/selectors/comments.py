"""Reads of comments: a post's thread in depth-first order, and one comment, as a viewer sees them.

Visibility comes from communities.selectors.visibility. A thread keeps a place for a comment the
viewer may not read (deleted, or hidden from non-moderators) while it has live replies the
viewer may read, so that every reply stays under its parent; such a place shows no body.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat

from communities.models import Comment
from communities.selectors.reactions import viewer_reactions_prefetch
from communities.selectors.visibility import (
    GroupAccess,
    role_in_group,
    visible_comments,
    visible_posts,
)
from divan.exceptions import InvalidInput, NotFound


def _with_viewer_reactions(comments: QuerySet[Comment], viewer) -> QuerySet[Comment]:
    return comments.prefetch_related(*viewer_reactions_prefetch(viewer))


def comment_thread(*, viewer, post_id: int) -> QuerySet[Comment]:
    """The post's comments the viewer may read, with placeholders for unreadable or deleted ones
    that have live readable replies; order by `path` for depth-first thread order."""
    readable = visible_comments(viewer)
    live_descendants = readable.filter(
        post_id=OuterRef("post_id"),
        deleted_at__isnull=True,
        path__startswith=Concat(OuterRef("path"), Value("/")),
    )
    comments = (
        Comment.objects.filter(post_id=post_id, post__in=visible_posts(viewer))
        .annotate(readable=Exists(readable.filter(pk=OuterRef("pk"))))
        .annotate(has_live_replies=Exists(live_descendants))
        .filter(Q(readable=True, deleted_at__isnull=True) | Q(has_live_replies=True))
        .select_related("author")
    )
    return _with_viewer_reactions(comments, viewer)


def comment_get(*, viewer, comment_id: int) -> Comment:
    """One live comment as the thread shows it, or NotFound."""
    comments = visible_comments(viewer).filter(pk=comment_id, deleted_at__isnull=True)
    comment = _with_viewer_reactions(comments.select_related("author"), viewer).first()
    if comment is None:
        raise NotFound("No comment matches the given query.")
    return comment


def comment_access(*, viewer, comment_id: int) -> tuple[Comment, GroupAccess]:
    """A live comment the viewer may read, with the viewer's standing in its group, else
    NotFound. Deleted comments exist only as thread placeholders."""
    comment = (
        visible_comments(viewer)
        .select_related("post__group", "author")
        .filter(pk=comment_id, deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        raise NotFound("No comment matches the given query.")
    group = comment.post.group
    return comment, GroupAccess(group=group, role=role_in_group(group_id=group.pk, user=viewer))


def comment_for_reply(*, viewer, post_id: int, comment_id: int) -> Comment:
    """The comment a reply names as its parent: readable by the viewer and on the same post."""
    parent = visible_comments(viewer).filter(pk=comment_id, post_id=post_id).first()
    if parent is None:
        raise InvalidInput({"parent": ["That comment is not on this post."]})
    return parent
