"""Content and reports for the moderation tests, all through the real services."""

from communities.models import ModerationLogEntry, Visibility
from communities.services.reports import report_create
from tests.factories import UserFactory
from tests.fixtures import World, add_member, make_comment, make_post  # noqa: F401

API = "/api/communities/v1"
REPORTS = f"{API}/reports/"

VIEWERS = ("anonymous", "outsider", "banned", "member", "author", "moderator", "admin", "owner")
# Report queue, resolve, dismiss and the moderation log: moderators and up. Others get 403 where
# they may know the group exists, 404 in a secret group; anonymous callers 401.
MODERATION_STATUS = {  # anonymous, outsider, banned, member, author, moderator, admin, owner
    Visibility.PUBLIC: dict(zip(VIEWERS, (401, 403, 403, 403, 403, 200, 200, 200), strict=True)),
    Visibility.PRIVATE: dict(zip(VIEWERS, (401, 403, 403, 403, 403, 200, 200, 200), strict=True)),
    Visibility.SECRET: dict(zip(VIEWERS, (401, 404, 404, 403, 403, 200, 200, 200), strict=True)),
}


def user_summary(user) -> dict:
    return {"id": user.pk, "username": user.username, "reputation": user.reputation}


def report(*, reporter, post=None, comment=None, reason: str = "spam", detail: str = ""):
    created, _ = report_create(
        reporter=reporter,
        post_id=post.pk if post else None,
        comment_id=comment.pk if comment else None,
        reason=reason,
        detail=detail,
    )
    return created


def add_author(world: World) -> None:
    """A plain member who writes the world's content, so 'author' is a standing of its own."""
    author = UserFactory(username=f"{world.group.visibility}-author")
    add_member(world.group, author)
    world.users["author"] = author


def log_rows(group) -> list[tuple]:
    """The group's moderation log, newest first, as (action, actor, target user, reason)."""
    return [
        (entry.action, entry.actor.username if entry.actor else None,
         entry.target_user.username if entry.target_user else None, entry.reason)
        for entry in ModerationLogEntry.objects.filter(group=group)
        .select_related("actor", "target_user").order_by("-id")
    ]  # fmt: skip


def reports_url(group) -> str:
    return f"{API}/groups/{group.pk}/reports/"


def moderation_log_url(group) -> str:
    return f"{API}/groups/{group.pk}/moderation-log/"
