"""Notification rows written directly, as the consumer would write them, for the API's tests."""

import uuid

from django.utils import timezone

from notifications.models import Notification


def make_notification(
    recipient, type, *, group=None, post=None, comment=None, actors=(), count=None,
    data=None, read=False, group_key=None, created_at=None,
) -> Notification:  # fmt: skip
    """One item of `recipient`'s inbox. `actors`: users, newest first (the first is `actor`);
    `count` defaults to how many actors there are (at least 1); `group` defaults to the post's
    (or the comment's)."""
    if comment is not None and post is None:
        post = comment.post
    if post is not None and group is None:
        group = post.group
    event_id = uuid.uuid4()
    now = created_at or timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        type=str(type),
        group_key=group_key or f"{type}:{event_id}",
        group=group,
        post=post,
        comment=comment,
        actor=actors[0] if actors else None,
        actor_ids=[actor.pk for actor in actors],
        count=count if count is not None else max(len(actors), 1),
        data=data or {},
        event_id=event_id,
        created_at=now,
        updated_at=now,
        read_at=now if read else None,
    )
