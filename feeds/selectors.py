"""Reads of feeds, from PostgreSQL: a reader's feed and a group's, newest first (`recent`) or by
score (`top`), shaped like a group's post list.

Visibility is checked on every read, as the last line of defence: a reader's feed is their
FeedEntry rows (plus their own posts at once, and the posts of groups too large to fan out)
among the posts `visible_posts` lets them read, never hidden or deleted ones, whatever the
rows say while an event is on its way."""

from django.conf import settings
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Extract

from communities.models import Membership, Post
from communities.selectors.posts import posts_for_page
from communities.selectors.visibility import GroupAccess, readable_posts, visible_posts
from feeds.models import FeedEntry
from feeds.ranking import EPOCH

TOP, RECENT = "top", "recent"
ORDERS = (TOP, RECENT)
# The pagination's order for each: a unique order by id under the score's (ties are rare).
ORDERING = {TOP: ("-feed_rank", "-id"), RECENT: ("-id",)}


def _with_rank(posts: QuerySet[Post]) -> QuerySet[Post]:
    """`feed_rank`: the post's stored score, or until the feeds consumer has scored it (a few
    milliseconds), its freshness alone, which is what the score of a post with no engagement
    yet is (feeds/ranking.py)."""
    freshness = (Extract(F("created_at"), "epoch") - Value(EPOCH.timestamp())) / Value(
        settings.FEED_SCORE_TIME_CONSTANT_SECONDS
    )
    return posts.annotate(
        feed_rank=Coalesce(F("feed_score__score"), freshness, output_field=FloatField())
    )


def _shown(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.filter(deleted_at__isnull=True, hidden_at__isnull=True)


def feed_posts(*, viewer, order: str = TOP) -> QuerySet[Post]:
    """The viewer's feed: the posts fanned out to them, their own posts in groups they belong
    to (at once, before any worker), and the posts of their groups too large to fan out."""
    groups = Membership.objects.filter(user=viewer).values("group_id")
    large = groups.filter(group__member_count__gt=settings.FEED_FANOUT_MAX_MEMBERS)
    entries = FeedEntry.objects.filter(user=viewer).values("post_id")
    posts = _shown(visible_posts(viewer)).filter(
        Q(pk__in=entries) | Q(author=viewer, group_id__in=groups) | Q(group_id__in=large)
    )
    posts = posts_for_page(posts, viewer=viewer)
    return _with_rank(posts) if order == TOP else posts


def group_feed_posts(*, viewer, access: GroupAccess, order: str = TOP) -> QuerySet[Post]:
    """A group's feed: its live posts, if the viewer may read the group (else PermissionDenied),
    hidden ones for nobody."""
    access.require_content()
    posts = posts_for_page(_shown(readable_posts(access)), viewer=viewer)
    return _with_rank(posts) if order == TOP else posts
