"""Writes on comments: create (threaded replies), edit, soft delete, hide and restore.

`Post.comments_count` counts the post's live comments: neither deleted nor hidden, the ones its
readers see with their text. It moves by F() in the transaction that changes a comment's state,
with the comment row locked, so that each comment is counted in or out exactly once.

Locks follow the order in services/locks.py: the author's membership row (require_can_post)
first, then the post row, then the comment row.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities.events import EventType, comment_event
from communities.models import Comment, ModerationAction, Post, Report
from communities.models.comments import PATH_SEGMENT_WIDTH
from communities.roles import Action
from communities.selectors.attachments import attachment_row
from communities.services.locks import lock_comment_row, lock_post_row
from communities.services.membership import (
    require_can_post,
    require_moderation_role,
)
from communities.services.moderation_log import moderation_log_write
from communities.services.uploads import attachments_set
from divan.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from divan.sql import insert_with_new_id

LOCKED_POST = "This post is locked."
# The deepest reply a path can hold, whatever COMMENT_MAX_DEPTH says: 50 zero-padded ids.
PATH_MAX_DEPTH = (Comment._meta.get_field("path").max_length + 1) // (PATH_SEGMENT_WIDTH + 1)


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput({"body": ["This field may not be blank."]})
    if len(body) > settings.COMMENT_BODY_MAX_LENGTH:
        raise InvalidInput(
            {
                "body": [
                    "Ensure this field has no more than "
                    f"{settings.COMMENT_BODY_MAX_LENGTH} characters."
                ]
            }
        )
    return body


def _live_comment(comment_id: int) -> Comment:
    """The comment as it is, unlocked: its author and its post's group, read before the locks."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or comment.deleted_at is not None:
        raise NotFound("No comment matches the given query.")
    return comment


def _lock_comment(comment_id: int) -> Comment:
    """The comment's row, locked after its post's row (whose comments_count moves with it);
    NotFound once the comment is deleted. The post is locked as it is, deleted or not: what may
    happen to a comment depends on the comment's own state."""
    post_id = Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).first()
    if post_id is None:
        raise NotFound("No comment matches the given query.")
    post = lock_post_row(post_id, deleted_ok=True)
    comment = lock_comment_row(comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound("No comment matches the given query.")
    comment.post = post
    return comment


def _count(post_id: int, delta: int) -> None:
    Post.objects.filter(pk=post_id).update(comments_count=F("comments_count") + delta)


def _segment(comment_id: int) -> str:
    return str(comment_id).zfill(PATH_SEGMENT_WIDTH)


def comment_create(
    *, author, post: Post, body: str, parent: Comment | None = None, attachments=()
) -> Comment:
    """A comment on a post, or a reply to one of its comments, by a member of the post's group.
    Refused on a locked post (409), and below settings.COMMENT_MAX_DEPTH levels (400).

    `post` is the post as the caller loaded it: its group (which never changes) decides the
    membership; whether it is deleted or locked is read again on its locked row."""
    body = _clean_body(body)
    if post.deleted_at is not None:  # a 404 before the membership check, as the caller saw it
        raise NotFound("No post matches the given query.")
    with transaction.atomic():
        require_can_post(group_id=post.group_id, user=author, doing="comment")
        post = lock_post_row(post.pk)
        if post.locked:
            raise Conflict(LOCKED_POST)
        depth = 1
        if parent is not None:
            parent = Comment.objects.filter(pk=parent.pk).first()
            if parent is None or parent.post_id != post.pk:
                raise InvalidInput({"parent": ["That comment is not on this post."]})
            if parent.deleted_at is not None:
                raise InvalidInput({"parent": ["You cannot reply to a deleted comment."]})
            if parent.hidden_at is not None:
                raise InvalidInput({"parent": ["You cannot reply to a hidden comment."]})
            depth = parent.depth + 1
            max_depth = min(settings.COMMENT_MAX_DEPTH, PATH_MAX_DEPTH)
            if depth > max_depth:
                raise InvalidInput({"parent": [f"Replies are limited to {max_depth} levels."]})
        comment = Comment(post=post, author=author, parent=parent, depth=depth, body=body)
        # The path ends with the comment's own id, drawn in the INSERT that writes the path.
        prefix = f"{parent.path}/" if parent else ""
        insert_with_new_id(
            comment, {"path": f"%s || lpad(new.id::text, {PATH_SEGMENT_WIDTH}, '0')"}, [prefix]
        )
        comment.path = prefix + _segment(comment.pk)
        _count(post.pk, +1)
        comment_event(EventType.COMMENT_CREATED, comment, actor=author, post=post)
        attached = attachments_set(owner=author, upload_ids=attachments, comment=comment, new=True)
        comment.attachment_rows = [attachment_row(upload) for upload in attached]
    return comment


def comment_update(*, actor, comment: Comment, body: str, attachments=None) -> Comment:
    """The author edits the body of a live comment (and its attachments, when given), while
    still a member and the post unlocked."""
    body = _clean_body(body)
    with transaction.atomic():
        current = _live_comment(comment.pk)
        if current.author_id != actor.pk:
            raise PermissionDenied("Only the author can edit this comment.")
        require_can_post(group_id=current.post.group_id, user=actor, doing="comment")
        comment = _lock_comment(comment.pk)
        if comment.hidden_at is not None:
            raise Conflict("This comment is hidden by the moderators.")
        if comment.post.locked:
            raise Conflict(LOCKED_POST)
        changed_fields = ["body"] if comment.body != body else []  # its text stays in its row
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        if attachments is not None:
            attachments_set(owner=actor, upload_ids=attachments, comment=comment)
        comment_event(
            EventType.COMMENT_EDITED,
            comment,
            actor=actor,
            post=comment.post,
            changed_fields=changed_fields,
        )
    return comment


def comment_delete(
    *, actor, comment: Comment, reason: str = "", as_site_staff: bool = False
) -> None:
    """Soft delete by the author or a moderator; a moderator's deletion of another's comment is
    logged, and so is any deletion by site staff (as_site_staff, from the Django admin only).
    The row stays for the audit, and for its replies' thread as "[deleted]"."""
    with transaction.atomic():
        comment = _lock_comment(comment.pk)
        if as_site_staff or comment.author_id != actor.pk:
            require_moderation_role(
                group=comment.post.group,
                actor=actor,
                action=Action.MODERATE_CONTENT,
                as_site_staff=as_site_staff,
            )
            moderation_log_write(
                group=comment.post.group,
                actor=actor,
                action=ModerationAction.DELETE_COMMENT,
                post=comment.post,
                comment=comment,
                target_user=comment.author,
                reason=reason,
            )
        comment.deleted_at = timezone.now()
        comment.deleted_by = actor
        comment.save(update_fields=["deleted_at", "deleted_by"])
        if comment.hidden_at is None:  # a hidden comment was counted out when it was hidden
            _count(comment.post_id, -1)
        comment_event(
            EventType.COMMENT_DELETED,
            comment,
            actor=actor,
            post=comment.post,
            was_hidden=comment.hidden_at is not None,
        )


def _moderate(
    *,
    actor,
    comment: Comment,
    hide: bool,
    reason: str,
    report: Report | None = None,
    as_site_staff: bool = False,
) -> Comment:
    with transaction.atomic():
        comment = _lock_comment(comment.pk)
        require_moderation_role(
            group=comment.post.group,
            actor=actor,
            action=Action.MODERATE_CONTENT,
            as_site_staff=as_site_staff,
        )
        if hide and comment.hidden_at is not None:
            raise Conflict("This comment is already hidden.")
        if not hide and comment.hidden_at is None:
            raise Conflict("This comment is not hidden.")
        comment.hidden_at = timezone.now() if hide else None
        comment.hidden_by = actor if hide else None
        comment.save(update_fields=["hidden_at", "hidden_by"])
        _count(comment.post_id, -1 if hide else +1)
        comment_event(
            EventType.COMMENT_HIDDEN if hide else EventType.COMMENT_RESTORED,
            comment,
            actor=actor,
            post=comment.post,
            report_id=getattr(report, "pk", None),
            reason=reason,
        )
        moderation_log_write(
            group=comment.post.group,
            actor=actor,
            action=ModerationAction.HIDE_COMMENT if hide else ModerationAction.RESTORE_COMMENT,
            post=comment.post,
            comment=comment,
            report=report,
            target_user=comment.author,
            reason=reason,
        )
    return comment


def comment_hide(
    *,
    actor,
    comment: Comment,
    reason: str = "",
    report: Report | None = None,
    as_site_staff: bool = False,
) -> Comment:
    """A moderator hides a comment from everyone but the group's moderators; logged, with the
    report that led to it when there is one. Only the Django admin passes as_site_staff."""
    return _moderate(
        actor=actor,
        comment=comment,
        hide=True,
        reason=reason,
        report=report,
        as_site_staff=as_site_staff,
    )


def comment_restore(
    *, actor, comment: Comment, reason: str = "", as_site_staff: bool = False
) -> Comment:
    """A moderator shows a hidden comment again; logged. Only the Django admin passes
    as_site_staff."""
    return _moderate(
        actor=actor, comment=comment, hide=False, reason=reason, as_site_staff=as_site_staff
    )
