"""Notification rows written directly, as the consumer would write them, for the API's tests."""

import uuid

from django.utils import timezone

from notifications.models import Notification


def make_notification(
    recipient, type, *, group=None, post=None, comment=None, actors=(), count=None,
    data=None, read=False, group_key=None, created_at=None, save=True,
) -> Notification:  # fmt: skip
    """One item of `recipient`'s inbox. `actors`: users, newest first (the first is `actor`);
    `count` defaults to how many actors there are (at least 1); `group` defaults to the post's
    (or the comment's). Unsaved with save=False, for a bulk_create."""
    if comment is not None and post is None:
        post = comment.post
    if post is not None and group is None:
        group = post.group
    event_id = uuid.uuid4()
    now = created_at or timezone.now()
    row = Notification(
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
    if save:
        row.save()
    return row


API = "/api/communities/v1"
INBOX = f"{API}/notifications/"
READ = f"{API}/notifications/read/"
UNREAD = f"{API}/notifications/unread/"
PREFERENCES = f"{API}/notifications/preferences/"


def group_level_url(group_id) -> str:
    return f"{API}/groups/{group_id}/notification-level/"


def post_level_url(post_id) -> str:
    return f"{API}/posts/{post_id}/notification-level/"


def inbox_ids(client, **query) -> list[int]:
    """The ids of every item of the client's inbox, page after page, newest first."""
    response = client.get(INBOX, {"page_size": 100, **query})
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [item["id"] for item in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        ids += [item["id"] for item in body["results"]]
    return ids


def unread_types(client) -> dict[str, int]:
    """The unread count by type, only the types with some."""
    response = client.get(UNREAD)
    assert response.status_code == 200, response.content
    return {kind: count for kind, count in response.json()["by_type"].items() if count}
