"""Writes on posts: create, edit, soft delete, and the moderators' pin, lock, hide and restore.

Every service locks the post row before it reads the post's state, so two moderators acting at
once are serialized and each sees the other's result; an author's edit locks the author's
membership row first (the lock order in services/locks.py). Moderation actions are logged
in the same transaction. Comments and reactions (and the counters they keep on posts) live
elsewhere, and lock the post row too: comments with `lock_post_row`, reactions in the statement
that inserts or deletes their row.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communities.events import EventType, post_event
from communities.models import Group, ModerationAction, ModerationLogEntry, Post, Report
from communities.roles import Action
from communities.rules import LIVE_GROUP, NOT_DELETED
from communities.selectors.attachments import attachment_row
from communities.services.locks import lock_post_row
from communities.services.membership import (
    require_can_post,
    require_moderation_role,
    require_role,
)
from communities.services.moderation_log import moderation_log_write
from communities.services.tags import post_tags_set, tag_counts_move, tags_normalize
from communities.services.uploads import attachments_set
from divan.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from divan.sql import insert_with_new_id

REASON_MAX_LENGTH = ModerationLogEntry._meta.get_field("reason").max_length


def _check_title(title: str) -> None:
    if len(title) > settings.POST_TITLE_MAX_LENGTH:
        raise InvalidInput(
            {
                "title": [
                    f"Ensure this field has no more than {settings.POST_TITLE_MAX_LENGTH} "
                    "characters."
                ]
            }
        )


def _check_body(body: str) -> None:
    if not body.strip():
        raise InvalidInput({"body": ["This field may not be blank."]})
    if len(body) > settings.POST_BODY_MAX_LENGTH:
        raise InvalidInput(
            {
                "body": [
                    f"Ensure this field has no more than {settings.POST_BODY_MAX_LENGTH} "
                    "characters."
                ]
            }
        )


def _check_reason(reason: str) -> None:
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(
            {"reason": [f"Ensure this field has no more than {REASON_MAX_LENGTH} characters."]}
        )


def post_create(
    *, author, group: Group, title: str = "", body: str, tags: Iterable[str] = (), attachments=()
) -> Post:
    """A post by a member of the group (banned users are no longer members). It comes back
    with `tag_names`: its tags, in the order that reads list them."""
    _check_title(title)
    _check_body(body)
    names = tags_normalize(tags, limit=settings.TAGS_MAX_PER_POST)
    if not LIVE_GROUP.holds(group):
        raise NotFound("No group matches the given query.")
    with transaction.atomic():
        require_can_post(group_id=group.pk, user=author, doing="post")
        post = Post(group=group, author=author, title=title, body=body)
        # Unpinned, a post sorts by its id.
        post.sort_key = insert_with_new_id(post, {"sort_key": "new.id"})
        post.tag_names = post_tags_set(post=post, names=names) if names else []
        post_event(EventType.POST_CREATED, post, actor=author, group=group, tags=post.tag_names)
        attached = attachments_set(owner=author, upload_ids=attachments, post=post, new=True)
        post.attachment_rows = [attachment_row(upload) for upload in attached]
    return post


_EDITABLE = {"title", "body", "tags", "attachments"}


def post_update(*, actor, post: Post, **changes) -> Post:
    """The author edits the title, body or tags, while still allowed to post in the group and
    while the post is neither locked nor hidden."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    if not changes:
        raise InvalidInput({"non_field_errors": ["Send at least one of title, body or tags."]})
    if "title" in changes:
        _check_title(changes["title"])
    if "body" in changes:
        _check_body(changes["body"])
    names = (
        tags_normalize(changes.pop("tags"), limit=settings.TAGS_MAX_PER_POST)
        if "tags" in changes
        else None
    )
    attachments = changes.pop("attachments", None)
    with transaction.atomic():
        # The membership row is locked before the post's (the lock order), so the author and
        # the group are read from the post as it is; neither changes while the author acts.
        current = Post.objects.filter(NOT_DELETED.q(), pk=post.pk).first()
        if current is None:
            raise NotFound("No post matches the given query.")
        if current.author_id is None or current.author_id != actor.pk:
            raise PermissionDenied("Only the author can edit a post.")
        require_can_post(group_id=current.group_id, user=actor, doing="post")
        post = lock_post_row(post.pk)
        if post.locked:
            raise Conflict("This post is locked.")
        if post.hidden_at is not None:
            raise Conflict("This post is hidden by the moderators.")
        # The event names the fields that changed, not their text: a post's words stay in its
        # row (an edit removes them from everywhere), and consumers read the row as it is now.
        changed_fields = [
            field for field, value in changes.items() if getattr(post, field) != value
        ]
        tag_changes = {}
        for field, value in changes.items():
            setattr(post, field, value)
        post.edited_at = timezone.now()
        post.save(update_fields=[*changes, "edited_at"])
        if names is not None:
            before = sorted(post.tags.values_list("name", flat=True))
            after = post_tags_set(post=post, names=names)
            if sorted(after) != before:
                changed_fields.append("tags")
                tag_changes["tags"] = [before, after]
        if attachments is not None:
            before = list(post.attachments.order_by("position").values_list("pk", flat=True))
            attached = attachments_set(owner=actor, upload_ids=attachments, post=post)
            if [upload.pk for upload in attached] != before:
                changed_fields.append("attachments")
        post_event(
            EventType.POST_EDITED,
            post,
            actor=actor,
            changed_fields=changed_fields,
            changes=tag_changes,
        )
    return post


def post_delete(*, actor, post: Post, reason: str = "", as_site_staff: bool = False) -> Post:
    """Soft delete by the author or a moderator; the row stays for audit. A moderator removing
    someone else's post is a moderation action and is logged, with the reason; so is any
    deletion by site staff (as_site_staff, from the Django admin only), their own posts' too."""
    _check_reason(reason)
    with transaction.atomic():
        post = lock_post_row(post.pk)
        is_author = not as_site_staff and post.author_id is not None and post.author_id == actor.pk
        if not is_author:
            require_moderation_role(
                group=post.group,
                actor=actor,
                action=Action.MODERATE_CONTENT,
                as_site_staff=as_site_staff,
            )
        post.deleted_at = timezone.now()
        post.deleted_by = actor
        post.save(update_fields=["deleted_at", "deleted_by"])
        hidden = post.hidden_at is not None
        tag_counts_move(post=post, shown=0 if hidden else -1, hidden=-1 if hidden else 0)
        post_event(EventType.POST_DELETED, post, actor=actor, was_hidden=hidden)
        if not is_author:
            moderation_log_write(
                group=post.group,
                actor=actor,
                action=ModerationAction.DELETE_POST,
                post=post,
                target_user=post.author,
                reason=reason,
            )
    return post


def _moderate(
    *,
    actor,
    post: Post,
    permission: Action,
    log_action: str,
    event_type: EventType,
    changes: dict,
    unchanged_message: str,
) -> Post:
    """Apply a moderator's change to a post, once: the same change again is a Conflict."""
    with transaction.atomic():
        post = lock_post_row(post.pk)
        require_role(group=post.group, user=actor, action=permission)
        if all(getattr(post, field) == value for field, value in changes.items()):
            raise Conflict(unchanged_message)
        for field, value in changes.items():
            setattr(post, field, value)
        post.save(update_fields=list(changes))
        post_event(event_type, post, actor=actor)
        moderation_log_write(
            group=post.group,
            actor=actor,
            action=log_action,
            post=post,
            target_user=post.author,
        )
    return post


def post_pin(*, actor, post: Post) -> Post:
    """Pinned posts come first in the group's list, newest pinned first."""
    return _moderate(
        actor=actor,
        post=post,
        permission=Action.PIN_POSTS,
        log_action=ModerationAction.PIN_POST,
        event_type=EventType.POST_PINNED,
        changes={"pinned": True, "sort_key": post.pk + Post.PINNED_OFFSET},
        unchanged_message="This post is already pinned.",
    )


def post_unpin(*, actor, post: Post) -> Post:
    return _moderate(
        actor=actor,
        post=post,
        permission=Action.PIN_POSTS,
        log_action=ModerationAction.UNPIN_POST,
        event_type=EventType.POST_UNPINNED,
        changes={"pinned": False, "sort_key": post.pk},
        unchanged_message="This post is not pinned.",
    )


def post_lock(*, actor, post: Post) -> Post:
    """A locked post takes no edits, comments or reactions."""
    return _moderate(
        actor=actor,
        post=post,
        permission=Action.LOCK_POSTS,
        log_action=ModerationAction.LOCK_POST,
        event_type=EventType.POST_LOCKED,
        changes={"locked": True},
        unchanged_message="This post is already locked.",
    )


def post_unlock(*, actor, post: Post) -> Post:
    return _moderate(
        actor=actor,
        post=post,
        permission=Action.LOCK_POSTS,
        log_action=ModerationAction.UNLOCK_POST,
        event_type=EventType.POST_UNLOCKED,
        changes={"locked": False},
        unchanged_message="This post is not locked.",
    )


def post_hide(
    *,
    actor,
    post: Post,
    reason: str = "",
    report: Report | None = None,
    as_site_staff: bool = False,
) -> Post:
    """Hide a post from everyone but the group's moderators; logged, with the report that led
    to it when there is one. Only the Django admin passes as_site_staff."""
    _check_reason(reason)
    with transaction.atomic():
        post = lock_post_row(post.pk)
        require_moderation_role(
            group=post.group,
            actor=actor,
            action=Action.MODERATE_CONTENT,
            as_site_staff=as_site_staff,
        )
        if post.hidden_at is not None:
            raise Conflict("This post is already hidden.")
        post.hidden_at = timezone.now()
        post.hidden_by = actor
        post.save(update_fields=["hidden_at", "hidden_by"])
        tag_counts_move(post=post, shown=-1, hidden=1)
        post_event(
            EventType.POST_HIDDEN,
            post,
            actor=actor,
            report_id=getattr(report, "pk", None),
            reason=reason,
        )
        moderation_log_write(
            group=post.group,
            actor=actor,
            action=ModerationAction.HIDE_POST,
            post=post,
            report=report,
            target_user=post.author,
            reason=reason,
        )
    return post


def post_restore(*, actor, post: Post, reason: str = "", as_site_staff: bool = False) -> Post:
    """Show a hidden post again. A deleted post stays deleted. Only the Django admin passes
    as_site_staff."""
    _check_reason(reason)
    with transaction.atomic():
        post = lock_post_row(post.pk)
        require_moderation_role(
            group=post.group,
            actor=actor,
            action=Action.MODERATE_CONTENT,
            as_site_staff=as_site_staff,
        )
        if post.hidden_at is None:
            raise Conflict("This post is not hidden.")
        post.hidden_at = None
        post.hidden_by = None
        post.save(update_fields=["hidden_at", "hidden_by"])
        tag_counts_move(post=post, shown=1, hidden=-1)
        post_event(EventType.POST_RESTORED, post, actor=actor, reason=reason)
        moderation_log_write(
            group=post.group,
            actor=actor,
            action=ModerationAction.RESTORE_POST,
            post=post,
            target_user=post.author,
            reason=reason,
        )
    return post
