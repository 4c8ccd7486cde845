"""The events communities' services write, one builder per aggregate, so that every payload
of a kind holds the same keys: the ids a consumer needs, the group's visibility at the time of
the change, the actor, and for a change of value its old and new values (`changes`:
{field: [old, new]}). Call them inside the service's transaction (see divan.events.outbox)."""

from enum import StrEnum
from uuid import UUID

from communities.models import Comment, Group, Post
from divan.events.outbox import event_record


class EventType(StrEnum):
    """Every event type a service writes, one constant each for producers and consumers. The
    values are the wire names, stored in outbox rows and on the stream: never change one."""

    GROUP_CREATED = "group.created"
    GROUP_UPDATED = "group.updated"
    GROUP_ARCHIVED = "group.archived"
    GROUP_VISIBILITY_CHANGED = "group.visibility_changed"

    MEMBERSHIP_JOINED = "membership.joined"
    MEMBERSHIP_LEFT = "membership.left"
    MEMBERSHIP_REMOVED = "membership.removed"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"

    JOIN_REQUEST_CREATED = "join_request.created"
    JOIN_REQUEST_APPROVED = "join_request.approved"
    JOIN_REQUEST_DENIED = "join_request.denied"

    INVITATION_CREATED = "invitation.created"
    INVITATION_DECLINED = "invitation.declined"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_ACCEPTED = "invitation.accepted"

    BAN_CREATED = "ban.created"
    BAN_LIFTED = "ban.lifted"
    BAN_EXPIRED = "ban.expired"

    POST_CREATED = "post.created"
    POST_EDITED = "post.edited"
    POST_DELETED = "post.deleted"
    POST_HIDDEN = "post.hidden"
    POST_RESTORED = "post.restored"
    POST_PINNED = "post.pinned"
    POST_UNPINNED = "post.unpinned"
    POST_LOCKED = "post.locked"
    POST_UNLOCKED = "post.unlocked"

    COMMENT_CREATED = "comment.created"
    COMMENT_EDITED = "comment.edited"
    COMMENT_DELETED = "comment.deleted"
    COMMENT_HIDDEN = "comment.hidden"
    COMMENT_RESTORED = "comment.restored"

    REACTION_ADDED = "reaction.added"
    REACTION_REMOVED = "reaction.removed"

    REPORT_CREATED = "report.created"
    REPORT_RESOLVED = "report.resolved"
    REPORT_DISMISSED = "report.dismissed"

    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_REMOVED = "attachment.removed"


# What changes a post's reaction and live-comment counts: its score in feeds, and the counts an
# open post shows (live/).
POST_COUNTS_CHANGED = frozenset(
    {
        EventType.REACTION_ADDED,
        EventType.REACTION_REMOVED,
        EventType.COMMENT_CREATED,
        EventType.COMMENT_DELETED,
        EventType.COMMENT_HIDDEN,
        EventType.COMMENT_RESTORED,
    }
)


def _id(user) -> int | None:
    return getattr(user, "pk", user)


def group_event(event_type: EventType, group: Group, *, actor, **fields) -> UUID:
    """group.*, membership.*, join_request.*, invitation.* and ban.* events: about a group and,
    for the membership kinds, a `user_id` in `fields`."""
    payload = {
        "group_id": group.pk,
        "visibility": group.visibility,
        "actor_id": _id(actor),
        **fields,
    }
    return event_record(event_type, aggregate_type="group", aggregate_id=group.pk, payload=payload)


def post_event(
    event_type: EventType, post: Post, *, actor, group: Group | None = None, **fields
) -> UUID:
    """post.* events; `group` when the caller holds it apart from `post.group`."""
    group = group or post.group
    payload = {
        "post_id": post.pk,
        "group_id": group.pk,
        "visibility": group.visibility,
        "author_id": post.author_id,
        "actor_id": _id(actor),
        **fields,
    }
    return event_record(event_type, aggregate_type="post", aggregate_id=post.pk, payload=payload)


def comment_event(event_type: EventType, comment: Comment, *, actor, post: Post, **fields) -> UUID:
    """comment.* events, with the comment's post as the caller locked it (with its group)."""
    payload = {
        "comment_id": comment.pk,
        "post_id": post.pk,
        "group_id": post.group_id,
        "visibility": post.group.visibility,
        "parent_id": comment.parent_id,
        "author_id": comment.author_id,
        "actor_id": _id(actor),
        **fields,
    }
    return event_record(
        event_type, aggregate_type="comment", aggregate_id=comment.pk, payload=payload
    )


def reaction_event(
    event_type: EventType, *, user, kind: str, post: Post, comment_id: int | None
) -> UUID:
    """reaction.added and reaction.removed: on the post, or on one of its comments. The post's
    score (for feeds) moves with the first, so both kinds name the post."""
    aggregate = ("comment", comment_id) if comment_id is not None else ("post", post.pk)
    payload = {
        "post_id": post.pk,
        "comment_id": comment_id,
        "group_id": post.group_id,
        "visibility": post.group.visibility,
        "kind": kind,
        "user_id": user.pk,
        "actor_id": user.pk,
    }
    return event_record(
        event_type, aggregate_type=aggregate[0], aggregate_id=aggregate[1], payload=payload
    )


def report_event(event_type: EventType, report, *, actor, group: Group, **fields) -> UUID:
    payload = {
        "report_id": report.pk,
        "group_id": group.pk,
        "visibility": group.visibility,
        "post_id": report.post_id,
        "comment_id": report.comment_id,
        "actor_id": _id(actor),
        **fields,
    }
    return event_record(
        event_type, aggregate_type="report", aggregate_id=report.pk, payload=payload
    )


def attachment_event(event_type: EventType, upload, *, actor, post=None, comment=None) -> UUID:
    """attachment.added and .removed: the upload, and the post or comment it belongs to."""
    payload = {
        "upload_id": str(upload.pk),
        "post_id": post.pk if post is not None else comment.post_id,
        "comment_id": comment.pk if comment is not None else None,
        "content_type": upload.content_type,
        "actor_id": _id(actor),
    }
    aggregate = ("post", post.pk) if post is not None else ("comment", comment.pk)
    return event_record(
        event_type, aggregate_type=aggregate[0], aggregate_id=aggregate[1], payload=payload
    )
