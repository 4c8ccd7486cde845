"""Reads of topic tags, with post counts that only count posts the viewer may read."""

from django.db.models import Case, F, QuerySet, Sum, When

from communities.models import Tag
from communities.selectors.visibility import content_visible_groups, moderated_groups


def tag_list(*, viewer, prefix: str | None = "") -> QuerySet[Tag]:
    """Tags of at least one post the viewer may read, each with `post_count` of such posts.
    A tag used only where the viewer cannot look (a secret group, hidden posts) is not listed.
    A prefix of None matches no tag. The counts are the stored TagCount rows of the groups the
    viewer may read (hidden posts too in the groups they moderate), the same rule as
    `visible_posts` at a cost that follows groups and tags, not posts."""
    tags = Tag.objects.all() if prefix is not None else Tag.objects.none()
    if prefix:
        tags = tags.filter(name__startswith=prefix)
    # The filter comes before the annotation, so the sum runs over the filtered join only.
    return (
        tags.filter(counts__group__in=content_visible_groups(viewer))
        .annotate(
            post_count=Sum(
                Case(
                    When(
                        counts__group__in=moderated_groups(viewer),
                        then=F("counts__shown_posts") + F("counts__hidden_posts"),
                    ),
                    default=F("counts__shown_posts"),
                )
            )
        )
        .filter(post_count__gt=0)
    )
