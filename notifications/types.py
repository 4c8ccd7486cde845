"""What Divan notifies people of: every type once, with who receives it, how it is delivered
unless the person says otherwise, whether items of it fold together, and what a recipient must
still be allowed to read for it to stay in their inbox. The consumer (notifications/consumers.py),
the API, the mail and the hub all read this table; none restates it."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class NotificationType(StrEnum):
    """The wire names, stored in rows and settings: never change one."""

    POST_REPLY = "post_reply"  # a comment on your post
    COMMENT_REPLY = "comment_reply"  # a reply to your comment
    THREAD_COMMENT = "thread_comment"  # a comment in a thread you watch
    MENTION = "mention"  # @you in a post or a comment you may read
    REACTION = "reaction"  # reactions to your post or comment, folded per item and hour
    GROUP_POST = "group_post"  # a new post in a group you watch
    JOIN_REQUEST_APPROVED = "join_request_approved"
    JOIN_REQUEST_DENIED = "join_request_denied"
    INVITATION = "invitation"
    CONTENT_HIDDEN = "content_hidden"  # your post or comment, by a moderator, with the reason
    CONTENT_RESTORED = "content_restored"
    BANNED = "banned"
    UNBANNED = "unbanned"
    ROLE_CHANGED = "role_changed"
    REPORT_RESOLVED = "report_resolved"  # a report you filed was resolved or dismissed
    JOIN_REQUEST_NEW = "join_request_new"  # moderators: join requests, folded per group and hour
    REPORT_NEW = "report_new"  # moderators: reports, folded per group and hour


class Delivery(models.TextChoices):
    """Per type and person: nowhere, in the hub, or in the hub and by mail."""

    OFF = "off", "Off"
    HUB = "hub", "In the hub"
    MAIL = "mail", "In the hub and by mail"


class Reads(StrEnum):
    """What a recipient must still be allowed to read for an item to stay in their inbox."""

    CONTENT = "content"  # its post (and comment): the group's content, the post live
    OWN_CONTENT = "own"  # their own post or comment: the group's content (hidden or not)
    GROUP = "group"  # that the group exists (an invitation: an invitee knows a secret group)
    MODERATION = "moderation"  # that they still moderate the group (its queues)
    NOTHING = "nothing"  # about them, not the group's content (a ban, a denied request)


@dataclass(frozen=True)
class TypeSpec:
    label: str
    default: Delivery
    reads: Reads
    grouped: bool = False  # items fold per target and hour bucket ("alice and 12 others")
    # the actor is a peer acting on their own (a reply, a reaction): a recipient's block or
    # mute of them silences it. A moderator's decision about you is told whoever took it.
    from_peers: bool = True


TYPES: dict[NotificationType, TypeSpec] = {
    NotificationType.POST_REPLY: TypeSpec("Replies to your posts", Delivery.MAIL, Reads.CONTENT),
    NotificationType.COMMENT_REPLY: TypeSpec(
        "Replies to your comments", Delivery.MAIL, Reads.CONTENT
    ),
    NotificationType.THREAD_COMMENT: TypeSpec(
        "Comments in threads you watch", Delivery.HUB, Reads.CONTENT
    ),
    NotificationType.MENTION: TypeSpec("Mentions of you", Delivery.MAIL, Reads.CONTENT),
    NotificationType.REACTION: TypeSpec(
        "Reactions to your posts and comments", Delivery.HUB, Reads.CONTENT, grouped=True
    ),
    NotificationType.GROUP_POST: TypeSpec(
        "New posts in groups you watch", Delivery.HUB, Reads.CONTENT
    ),
    NotificationType.JOIN_REQUEST_APPROVED: TypeSpec(
        "Your join request approved", Delivery.MAIL, Reads.GROUP, from_peers=False
    ),
    NotificationType.JOIN_REQUEST_DENIED: TypeSpec(
        "Your join request denied", Delivery.HUB, Reads.NOTHING, from_peers=False
    ),
    NotificationType.INVITATION: TypeSpec("Invitations to groups", Delivery.MAIL, Reads.GROUP),
    NotificationType.CONTENT_HIDDEN: TypeSpec(
        "Your content hidden by a moderator", Delivery.MAIL, Reads.OWN_CONTENT, from_peers=False
    ),
    NotificationType.CONTENT_RESTORED: TypeSpec(
        "Your content restored by a moderator", Delivery.HUB, Reads.OWN_CONTENT, from_peers=False
    ),
    NotificationType.BANNED: TypeSpec(
        "Bans from a group", Delivery.MAIL, Reads.NOTHING, from_peers=False
    ),
    NotificationType.UNBANNED: TypeSpec(
        "Bans lifted", Delivery.HUB, Reads.NOTHING, from_peers=False
    ),
    NotificationType.ROLE_CHANGED: TypeSpec(
        "Your role changed", Delivery.HUB, Reads.GROUP, from_peers=False
    ),
    NotificationType.REPORT_RESOLVED: TypeSpec(
        "Reports you filed, resolved", Delivery.HUB, Reads.NOTHING, from_peers=False
    ),
    NotificationType.JOIN_REQUEST_NEW: TypeSpec(
        "New join requests (moderators)", Delivery.HUB, Reads.MODERATION, grouped=True
    ),
    NotificationType.REPORT_NEW: TypeSpec(
        "New reports (moderators)", Delivery.HUB, Reads.MODERATION, grouped=True
    ),
}

TYPE_CHOICES = [(str(kind), spec.label) for kind, spec in TYPES.items()]


def item_path(row) -> str:
    """The hub's path of what an item (a Notification) is about, as far as its type lets its
    recipient follow it: a moderators' queue to the group's moderation page, content to the
    post (at the comment), a group to its page; an item about its recipient alone (a ban, a
    refusal, a report's outcome) to the inbox. The API gives it as `path`; mails link to it."""
    kind = NotificationType(row.type)
    reads = TYPES[kind].reads
    if kind in (NotificationType.JOIN_REQUEST_NEW, NotificationType.REPORT_NEW) and row.group_id:
        return f"/g/{row.group_id}/moderation"
    if reads in (Reads.CONTENT, Reads.OWN_CONTENT) and row.post_id:
        anchor = f"#comment-{row.comment_id}" if row.comment_id else ""
        return f"/p/{row.post_id}{anchor}"
    if reads != Reads.NOTHING and row.group_id:
        return f"/g/{row.group_id}"
    return "/notifications"
