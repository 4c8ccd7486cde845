"""Reads of a person's own account: whether its address is verified and it signs in with a
second factor (`me/`, the session), and their own data as their export holds it: what they
wrote, gave and belong to, never what others wrote (a comment names its post by id, not by its
title or text). Each export section is one query, streamed from a server-side cursor: its cost in
queries is the same for ten posts as for ten thousand, and its rows are never all held at once."""

from collections.abc import Iterator

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef

from accounts.two_factor import SECOND_FACTORS
from communities.models import Comment, Membership, Post, PostTag, Reaction, Upload, UploadStatus
from communities.rules import NOT_DELETED
from divan.models import User

CHUNK = 1000


def account_flags(*, user: User) -> User:
    """`user`, with `email_verified` (its current address is verified), `two_factor` (a
    sign-in asks for a code) and its reputation read in one query: `me/` and the session's GET
    are read on every page of the hub, and a user authenticated by a token's record in Redis
    (divan.authentication) holds no reputation."""
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            email_verified=Exists(
                EmailAddress.objects.filter(
                    user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            ),
            two_factor=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS)
            ),
        )
        .values("email_verified", "two_factor", "reputation")
        .get()
    )
    user.reputation = flags["reputation"]
    user.email_verified = flags["email_verified"]
    user.two_factor = flags["two_factor"]
    return user


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def own_profile(*, user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "reputation": user.reputation,
    }


def own_email_addresses(*, user) -> list[dict]:
    rows = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return list(rows.values("email", "verified", "primary"))


def own_groups(*, user) -> Iterator[dict]:
    """The groups they belong to now, with their role (a group they belong to, they may see)."""
    rows = (
        Membership.objects.filter(user=user)
        .order_by("group_id")
        .values(
            "group_id", "group__name", "group__slug", "group__visibility", "group__archived_at",
            "role", "created_at",
        )
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": row["group_id"],
            "name": row["group__name"],
            "slug": row["group__slug"],
            "visibility": row["group__visibility"],
            "archived": row["group__archived_at"] is not None,
            "role": row["role"],
            "joined_at": _when(row["created_at"]),
        }


def _live_attachments(**target) -> ArraySubquery:
    return ArraySubquery(
        Upload.objects.filter(status=UploadStatus.READY, **target).order_by("position").values("id")
    )


def own_posts(*, user) -> Iterator[dict]:
    """Their posts but the deleted ones; a post the moderators hid is theirs too (marked)."""
    rows = (
        Post.objects.filter(NOT_DELETED.q(), author=user)
        .order_by("pk")
        .annotate(
            tag_names=ArraySubquery(
                PostTag.objects.filter(post=OuterRef("pk")).order_by("tag__name").values("tag__name")
            ),
            upload_ids=_live_attachments(post=OuterRef("pk")),
        )
        .values(
            "pk", "group_id", "title", "body", "tag_names", "upload_ids", "created_at",
            "edited_at", "hidden_at", "pinned", "locked", "comments_count", "reactions_count",
        )
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": row["pk"],
            "group_id": row["group_id"],
            "title": row["title"],
            "body": row["body"],
            "tags": row["tag_names"],
            "attachments": [str(upload_id) for upload_id in row["upload_ids"]],
            "created_at": _when(row["created_at"]),
            "edited_at": _when(row["edited_at"]),
            "hidden": row["hidden_at"] is not None,
            "pinned": row["pinned"],
            "locked": row["locked"],
            "comments_count": row["comments_count"],
            "reactions_count": row["reactions_count"],
        }


def own_comments(*, user) -> Iterator[dict]:
    """Their comments but the deleted ones, by the ids of their post and parent only."""
    rows = (
        Comment.objects.filter(NOT_DELETED.q(), author=user)
        .order_by("pk")
        .annotate(upload_ids=_live_attachments(comment=OuterRef("pk")))
        .values(
            "pk", "post_id", "parent_id", "body", "upload_ids", "created_at", "edited_at",
            "hidden_at", "reactions_count",
        )
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": row["pk"],
            "post_id": row["post_id"],
            "parent_id": row["parent_id"],
            "body": row["body"],
            "attachments": [str(upload_id) for upload_id in row["upload_ids"]],
            "created_at": _when(row["created_at"]),
            "edited_at": _when(row["edited_at"]),
            "hidden": row["hidden_at"] is not None,
            "reactions_count": row["reactions_count"],
        }


def own_reactions(*, user) -> Iterator[dict]:
    rows = (
        Reaction.objects.filter(user=user)
        .order_by("pk")
        .values("kind", "post_id", "comment_id", "created_at")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield {**row, "created_at": _when(row["created_at"])}


def own_uploads(*, user) -> Iterator[dict]:
    """Their checked files (ready), but those of content they deleted, which are on their way
    out; `key` says where the file is in storage."""
    rows = (
        Upload.objects.filter(owner=user, status=UploadStatus.READY)
        .exclude(NOT_DELETED.q_not("post__") | NOT_DELETED.q_not("comment__"))
        .order_by("created_at", "pk")
        .values(
            "pk", "filename", "content_type", "size", "width", "height", "created_at", "post_id",
            "comment_id", "key",
        )
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": str(row.pop("pk")),
            **row,
            "created_at": _when(row["created_at"]),
        }
