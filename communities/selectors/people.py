"""Reads of people: finding users by name, and one user's content as the viewer may read it."""

from django.db.models import QuerySet

from communities.models import Comment, Post
from communities.rules import LIVE_COMMENT, NOT_HIDDEN
from communities.selectors.comments import with_viewer_reactions
from communities.selectors.posts import posts_for_page
from communities.selectors.visibility import visible_comments, visible_posts
from divan.exceptions import NotFound
from divan.models import User

USER_SEARCH_LIMIT = 20


def user_search(*, prefix: str) -> list[dict]:
    """Active users whose username starts with `prefix`, in any case, by username: at most
    USER_SEARCH_LIMIT, each only its id and username (what a post's byline already shows)."""
    users = User.objects.filter(is_active=True, username__istartswith=prefix).order_by("username")
    return list(users.values("id", "username")[:USER_SEARCH_LIMIT])


def active_user(ref: int | str) -> User | None:
    """The active user named by `ref`: an id (int), or a username (str; exactly, else in any
    case, as registration keeps usernames unique in any case); None if there is none."""
    users = User.objects.filter(is_active=True)
    if isinstance(ref, int):
        return users.filter(pk=ref).first()
    return users.filter(username=ref).first() or users.filter(username__iexact=ref).first()


def user_get(*, username: str) -> User:
    """An active user by username, else NotFound."""
    user = active_user(username)
    if user is None:
        raise NotFound("No user matches the given query.")
    return user


def user_posts(*, viewer, author: User) -> QuerySet[Post]:
    """The author's live posts in groups whose content the viewer may read; never hidden or
    deleted ones, whoever asks (a profile is no moderation tool); none of an author the viewer
    blocks (visible_posts)."""
    posts = visible_posts(viewer).filter(NOT_HIDDEN.q(), author=author)
    return posts_for_page(posts, viewer=viewer)


def user_comments(*, viewer, author: User) -> QuerySet[Comment]:
    """The author's live comments on live posts the viewer may read; never hidden or deleted;
    none of an author the viewer blocks, nor on their posts (visible_comments)."""
    comments = visible_comments(viewer).filter(
        LIVE_COMMENT.q(), NOT_HIDDEN.q("post__"), author=author
    )
    comments = comments.select_related("author").defer("search_vector")
    return with_viewer_reactions(comments, viewer)
