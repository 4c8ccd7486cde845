"""The events communities' services write, one builder per aggregate, so that every payload
of a kind holds the same keys: the ids a consumer needs, the group's visibility at the time of
the change, the actor, and for a change of value its old and new values (`changes`:
{field: [old, new]}). Call them inside the service's transaction (see divan.events.outbox)."""

from uuid import UUID

from communities.models import Comment, Group, Post
from divan.events.outbox import event_record


def _id(user) -> int | None:
    return getattr(user, "pk", user)


def group_event(event_type: str, group: Group, *, actor, **fields) -> UUID:
    """group.*, membership.*, join_request.*, invitation.* and ban.* events: about a group and,
    for the membership kinds, a `user_id` in `fields`."""
    payload = {
        "group_id": group.pk,
        "visibility": group.visibility,
        "actor_id": _id(actor),
        **fields,
    }
    return event_record(event_type, aggregate_type="group", aggregate_id=group.pk, payload=payload)


def post_event(event_type: str, post: Post, *, actor, group: Group | None = None, **fields) -> UUID:
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


def comment_event(event_type: str, comment: Comment, *, actor, post: Post, **fields) -> UUID:
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


def reaction_event(event_type: str, *, user, kind: str, post: Post, comment_id: int | None) -> UUID:
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


def report_event(event_type: str, report, *, actor, group: Group, **fields) -> UUID:
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


def attachment_event(event_type: str, upload, *, actor, post=None, comment=None) -> UUID:
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
