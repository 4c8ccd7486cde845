"""Reads of topic tags, with post counts that only count posts the viewer may read."""

from django.db.models import Count, QuerySet

from communities.models import Tag
from communities.selectors.visibility import visible_posts


def tag_list(*, viewer, prefix: str | None = "") -> QuerySet[Tag]:
    """Tags of at least one post the viewer may read, each with `post_count` of such posts.
    A tag used only where the viewer cannot look (a secret group, hidden posts) is not listed.
    A prefix of None matches no tag."""
    tags = Tag.objects.all() if prefix is not None else Tag.objects.none()
    if prefix:
        tags = tags.filter(name__startswith=prefix)
    # The filter comes before the annotation, so the count runs over the filtered join only.
    return tags.filter(post_tags__post__in=visible_posts(viewer)).annotate(
        post_count=Count("post_tags")
    )
