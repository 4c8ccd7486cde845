"""Reads of posts: a group's post list and one post, each in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from communities.models import Group, Post, Tag
from communities.selectors.reactions import viewer_reactions_prefetch
from communities.selectors.visibility import visible_posts
from divan.exceptions import NotFound


def _with_page_data(posts: QuerySet[Post], *, viewer) -> QuerySet[Post]:
    """What a serialized post needs, loaded per page: author (joined), tags and the viewer's
    own reactions (one query each, whatever the page size)."""
    return posts.select_related("author").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        *viewer_reactions_prefetch(viewer),
    )


def post_list(*, viewer, group: Group, tag: str | None = None) -> QuerySet[Post]:
    """The group's posts the viewer may read (moderators also see hidden ones); the paginator
    orders them by -sort_key, pinned first."""
    posts = visible_posts(viewer).filter(group=group)
    if tag is not None:
        posts = posts.filter(tags__name=tag)
    return _with_page_data(posts, viewer=viewer)


def post_get(*, viewer, post_id: int) -> Post:
    """One post as the viewer may read it: the group's moderators also get deleted and hidden
    posts; everyone else gets NotFound for them."""
    post = (
        _with_page_data(visible_posts(viewer, include_removed=True), viewer=viewer)
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound("No post matches the given query.")
    return post
