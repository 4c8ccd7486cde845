"""Reads of reactions: who reacted to a post or a comment the viewer may read."""

from django.db.models import Prefetch, QuerySet

from communities.models import Reaction
from communities.selectors.visibility import visible_comments, visible_posts


def reaction_list(
    *, viewer, post_id: int | None = None, comment_id: int | None = None, kind: str | None = None
) -> QuerySet[Reaction]:
    """Reactions to one post or one comment, with their users, newest first by the paginator."""
    if post_id is not None:
        reactions = Reaction.objects.filter(post_id=post_id, post__in=visible_posts(viewer))
    else:
        reactions = Reaction.objects.filter(
            comment_id=comment_id,
            comment__in=visible_comments(viewer).filter(deleted_at__isnull=True),
        )
    if kind is not None:
        reactions = reactions.filter(kind=kind)
    return reactions.select_related("user")


def viewer_reactions_prefetch(viewer) -> list[Prefetch]:
    """Loads `viewer_reactions` (the viewer's own reactions) on each post or comment of a page,
    in one query whatever its size; nothing for anonymous viewers."""
    if not viewer.is_authenticated:
        return []
    own = Reaction.objects.filter(user=viewer).only("id", "kind", "post_id", "comment_id")
    return [Prefetch("reactions", queryset=own.order_by("id"), to_attr="viewer_reactions")]
