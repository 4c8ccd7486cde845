"""Helpers shared by the post, moderation and tag tests: a world with a post author, posts made
through the real service, and snapshots to prove that a refused request changed nothing."""

from communities.models import ModerationLogEntry, Post, PostTag, Tag
from tests import fixtures
from tests.factories import UserFactory
from tests.fixtures import World, add_member

API = "/api/communities/v1"
# Everyone the issue asks about; "author" is a plain member who wrote the post under test.
VIEWERS = ("anonymous", "outsider", "banned", "member", "author", "moderator", "admin", "owner")
MODERATORS = ("moderator", "admin", "owner")


def with_author(world: World) -> World:
    author = UserFactory(username=f"{world.group.visibility}-author")
    add_member(world.group, author)
    world.users["author"] = author
    return world


def make_post(world: World, who: str = "author", body: str = "Hello", **kwargs) -> Post:
    return fixtures.make_post(author=world.user(who), group=world.group, body=body, **kwargs)


def posts_url(group) -> str:
    return f"{API}/groups/{group.pk}/posts/"


def post_url(post, action: str | None = None) -> str:
    return f"{API}/posts/{post.pk}/" + (f"{action}/" if action else "")


def row(post) -> dict:
    """Every column of the post's row, to compare before and after a request."""
    return Post.objects.filter(pk=post.pk).values().get()


def content_snapshot() -> dict:
    """What a refused request must leave as it was: every post row, tag and log entry."""
    return {
        "posts": list(Post.objects.order_by("pk").values()),
        "post_tags": list(PostTag.objects.order_by("pk").values_list("post_id", "tag_id")),
        "tags": list(Tag.objects.order_by("pk").values_list("name", flat=True)),
        "log": ModerationLogEntry.objects.filter(post__isnull=False).count(),
    }
