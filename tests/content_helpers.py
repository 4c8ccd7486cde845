"""Helpers for comment and reaction tests: content through the services, and a snapshot of
everything a refused write must leave alone."""

from communities.models import Comment, ModerationLogEntry, Post, Reaction
from divan.models import User
from tests import fixtures

API = "/api/communities/v1"


def make_post(group, author, body: str = "A post") -> Post:
    return fixtures.make_post(group=group, author=author, body=body)


def make_comment(post: Post, author, body: str = "A comment", parent: Comment | None = None):
    return fixtures.make_comment(post=post, author=author, body=body, parent=parent)


def lock(post: Post) -> None:
    Post.objects.filter(pk=post.pk).update(locked=True)


def live_comments(post: Post) -> int:
    """What comments_count counts: comments neither deleted nor hidden."""
    return Comment.objects.filter(post=post, deleted_at=None, hidden_at=None).count()


def snapshot() -> dict:
    """Every row and counter that comments and reactions touch."""
    return {
        "comments": list(
            Comment.objects.order_by("pk").values(
                "pk", "post", "parent", "author", "depth", "path", "body", "hidden_at",
                "deleted_at", "edited_at", "reactions_count", "reaction_counts",
            )
        ),
        "posts": list(
            Post.objects.order_by("pk").values(
                "pk", "comments_count", "reactions_count", "reaction_counts", "locked"
            )
        ),
        "reactions": list(
            Reaction.objects.order_by("pk").values_list("user", "kind", "post", "comment")
        ),
        "reputation": list(User.objects.order_by("pk").values_list("pk", "reputation")),
        "log": list(ModerationLogEntry.objects.order_by("pk").values_list("action", "comment")),
    }  # fmt: skip
