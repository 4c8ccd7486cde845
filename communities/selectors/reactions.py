"""Reads of reactions: who reacted to a post or a comment the viewer may read."""

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, OuterRef, QuerySet, Value

from communities.models import Reaction
from communities.rules import NOT_DELETED
from communities.selectors.visibility import visible_comments, visible_posts


def reaction_list(
    *, viewer, post_id: int | None = None, comment_id: int | None = None, kind: str | None = None
) -> QuerySet[Reaction]:
    """Reactions to one post or one comment, with their users, newest first by the paginator;
    of a blocked author's content too, as its direct link opens it."""
    if post_id is not None:
        posts = visible_posts(viewer, include_blocked=True)
        reactions = Reaction.objects.filter(post_id=post_id, post__in=posts)
    else:
        reactions = Reaction.objects.filter(
            comment_id=comment_id,
            comment__in=visible_comments(viewer, include_blocked=True).filter(NOT_DELETED.q()),
        )
    if kind is not None:
        reactions = reactions.filter(kind=kind)
    return reactions.select_related("user")


def with_viewer_kinds(contents: QuerySet, viewer, *, target: str) -> QuerySet:
    """Posts or comments (`target` names which) annotated with `viewer_kinds`: the kinds of the
    viewer's own reactions to each, in the order they were made, from one indexed subquery per
    row; [] for anonymous viewers."""
    if not viewer.is_authenticated:
        return contents.annotate(viewer_kinds=Value([], output_field=ArrayField(CharField())))
    own = Reaction.objects.filter(user=viewer, **{target: OuterRef("pk")}).order_by("id")
    return contents.annotate(viewer_kinds=ArraySubquery(own.values("kind")))
