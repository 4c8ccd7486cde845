"""Reads of comments: a post's thread in depth-first order, and one comment, as a viewer sees them.

Visibility comes from communities.selectors.visibility. A thread keeps a place for a comment the
viewer may not read (deleted, hidden from non-moderators, or by someone the viewer blocks) while
it has live replies the viewer may read, so that every reply stays under its parent; such a
place shows no body and no author.
"""

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat

from communities.models import Comment
from communities.rules import NOT_DELETED, NOT_HIDDEN
from communities.selectors.attachments import with_attachments
from communities.selectors.reactions import with_viewer_kinds
from communities.selectors.visibility import (
    GroupAccess,
    not_blocked_q,
    post_shown,
    visible_comments,
    with_viewer_role,
    with_viewer_standing,
)
from divan.exceptions import InvalidInput, NotFound


def with_viewer_reactions(comments: QuerySet[Comment], viewer) -> QuerySet[Comment]:
    """Attachments, the viewer's own reaction kinds, and what `permissions` needs: the viewer's
    standing and whether the post is locked."""
    comments = with_viewer_standing(comments, viewer, "post__group_id").annotate(
        post_locked=F("post__locked")
    )
    comments = with_attachments(comments, target="comment")
    return with_viewer_kinds(comments, viewer, target="comment")


def comment_thread(*, viewer, access: GroupAccess, post_id: int) -> QuerySet[Comment]:
    """The comments of a post the viewer may read (`access` is their standing in its group),
    with placeholders for unreadable or deleted ones that have live readable replies; order by
    `path` for depth-first thread order.

    `readable` (hidden comments only for moderators: `comment_shown`'s rule; no comment of
    someone the viewer blocks, moderators' blocks included) is a column of each row; the search
    for live replies runs only for rows not shown by themselves, which are few, as the second
    branch of an OR."""
    readable = not_blocked_q(viewer)
    if not access.is_moderator:
        readable &= NOT_HIDDEN.q()
    readable_column = (
        ExpressionWrapper(readable, output_field=BooleanField()) if readable else Value(True)
    )
    live_descendants = Comment.objects.filter(
        readable,
        NOT_DELETED.q(),
        post_id=post_id,
        path__startswith=Concat(OuterRef("path"), Value("/")),
    )
    comments = (
        Comment.objects.filter(post_id=post_id)
        .annotate(readable=readable_column)
        .filter((readable & NOT_DELETED.q()) | Exists(live_descendants))
        .select_related("author")
        .defer("search_vector")  # for search alone; as long as the body
    )
    return with_viewer_reactions(comments, viewer)


def comment_get(*, viewer, comment_id: int) -> Comment:
    """One live comment as a direct link opens it (a blocked author's too), or NotFound; one
    query."""
    comment, _access = comment_access(
        viewer=viewer,
        comment_id=comment_id,
        comments=with_viewer_reactions(Comment.objects.all(), viewer),
    )
    return comment


def comment_shown(comment: Comment, access: GroupAccess) -> bool:
    """Whether the viewer may read a live comment (its post being readable): hidden ones only
    for the group's moderators."""
    return NOT_HIDDEN.holds(comment) or access.is_moderator


def comment_access(
    *, viewer, comment_id: int, comments: QuerySet[Comment] | None = None
) -> tuple[Comment, GroupAccess]:
    """A live comment the viewer may read, with the viewer's standing in its group, else
    NotFound; one query (of `comments`, which may carry what a response needs). Deleted
    comments exist only as thread placeholders."""
    comments = Comment.objects.all() if comments is None else comments
    comment = (
        with_viewer_role(comments.select_related("post__group", "author"), viewer, "post__group_id")
        .filter(NOT_DELETED.q(), pk=comment_id)
        .first()
    )
    if comment is None:
        raise NotFound("No comment matches the given query.")
    access = GroupAccess(group=comment.post.group, role=comment.viewer_role)
    if not (post_shown(comment.post, access) and comment_shown(comment, access)):
        raise NotFound("No comment matches the given query.")
    return comment, access


def comment_for_reply(*, viewer, post_id: int, comment_id: int) -> Comment:
    """The comment a reply names as its parent: readable by the viewer and on the same post (a
    blocked author's too, as a direct link opens it)."""
    comments = visible_comments(viewer, include_blocked=True)
    parent = comments.filter(pk=comment_id, post_id=post_id).first()
    if parent is None:
        raise InvalidInput({"parent": ["That comment is not on this post."]})
    return parent
