"""Reads of posts: a group's post list and one post, each in one query after the group's."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet

from communities.models import Post, PostTag
from communities.selectors.attachments import with_attachments
from communities.selectors.reactions import with_viewer_kinds
from communities.selectors.visibility import (
    GroupAccess,
    post_access,
    readable_posts,
    with_viewer_standing,
)


def posts_for_page(posts: QuerySet[Post], *, viewer) -> QuerySet[Post]:
    """What a serialized post needs, in the posts' own query: the author (joined), `tag_names`
    and the viewer's own reaction kinds (`viewer_kinds`), each an array from an indexed
    subquery per row of the page, and the viewer's standing for its `permissions`."""
    tag_names = PostTag.objects.filter(post=OuterRef("pk")).order_by("tag__name")
    # The search vector, as long as the text, is for search alone: no page reads it.
    posts = (
        posts.select_related("author")
        .defer("search_vector")
        .annotate(tag_names=ArraySubquery(tag_names.values("tag__name")))
    )
    posts = with_viewer_standing(posts, viewer, "group_id")
    return with_viewer_kinds(with_attachments(posts, target="post"), viewer, target="post")


def post_list(*, viewer, access: GroupAccess, tag: str | None = None) -> QuerySet[Post]:
    """The group's posts the viewer may read (moderators also see hidden ones), but those of
    people they block, or PermissionDenied; the paginator orders them by -sort_key, pinned
    first."""
    access.require_content()
    posts = readable_posts(access, viewer=viewer)
    if tag is not None:
        posts = posts.filter(tags__name=tag)
    return posts_for_page(posts, viewer=viewer)


def post_get(*, viewer, post_id: int) -> Post:
    """One post as the viewer may read it: the group's moderators also get deleted and hidden
    posts; everyone else gets NotFound for them. A blocked author's post opens (a direct link
    is how it gets reported). One query."""
    post, _access = post_access(
        viewer=viewer,
        post_id=post_id,
        include_removed=True,
        posts=posts_for_page(Post.objects.all(), viewer=viewer),
    )
    return post
