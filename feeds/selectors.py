"""The queries of feed pages: a reader's feed and a group's, newest first (`recent`) or by score
(`top`), shaped like a group's post list. They read and never write: which source serves a
reader's page (their Redis set or PostgreSQL, the same page either way) is decided in
feeds.pages.feed_page.

- A reader's feed is their FeedEntry rows (the set caches the newest FEED_CACHE_MAX post ids),
  plus the posts of their groups that were not fanned out (written while the group was over
  FEED_FANOUT_MAX_MEMBERS: feeds.models.LargeGroupPost), read from the groups at request time.
- `recent` from the set: the ids below the cursor, a page and a margin of them (`Candidates`),
  then one query that loads those posts (and the read-at-request ones in the same range).
- `top` ranks the newest FEED_CACHE_MAX posts of the feed (the cached window; `recent` reaches
  back through all of it) by their score: one per post, whatever the number of readers
  (feeds.models.PostScore), combined with the reader's window in one query.
- Visibility is checked on every read, as the last line of defence: only posts of the groups the
  viewer belongs to now (whose content members may read, whatever its visibility), of live
  groups, never hidden or deleted ones, whatever the rows or the set say while an event is on
  its way. The viewer's blocks are part of that check (visibility.not_blocked_q): the rows and
  the set keep a blocked author's posts, the page leaves them out, so that a block or an unblock
  shows on the next read, with no write to the feed or its cache.
- A set that missed a fan-out write (Redis was down for it) is suspect until the sweep drops it:
  the page query from the set also asks whether such a chunk covers the reader
  (`cache_suspect`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Exists,
    F,
    FloatField,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Extract

from communities.models import Membership, Post
from communities.rules import LIVE_MEMBERSHIP, LIVE_POST
from communities.selectors.posts import posts_for_page
from communities.selectors.visibility import GroupAccess, not_blocked_q, readable_posts
from feeds.models import CacheRepair, FanoutChunk, FeedEntry
from feeds.queries import IdAmong, id_array
from feeds.ranking import EPOCH, top_window

TOP, RECENT = "top", "recent"
ORDERS = (TOP, RECENT)
# The pagination's order for each: a unique order by id under the score's (ties are rare).
ORDERING = {TOP: ("-feed_rank", "-id"), RECENT: ("-id",)}


@dataclass(frozen=True)
class Candidates:
    """The posts of a reader's feed their set holds for a page: `post_ids`, and `floor`, the
    lowest post id the page may reach (0: the whole feed); `complete`: no page of this order
    goes past them (the feed's end, or for `top` its whole window);
    `filled`: the set was cold, and filled by this read; for `top`, `take` (the rows the page
    needs, with the next page's first) ranked below `rank_below` (the cursor's)."""

    post_ids: list[int]
    floor: int
    complete: bool
    filled: bool = False
    take: int | None = None
    rank_below: float | None = None


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
    return posts.filter(LIVE_POST.q())


def _groups(viewer) -> QuerySet:
    """The viewer's live groups."""
    groups = Membership.objects.filter(LIVE_MEMBERSHIP.q(), user=viewer)
    return groups.values("group_id")


def _read_at_request() -> Q:
    """Posts that were not fanned out, read from their groups at request time: a join on
    LargeGroupPost's primary key, probed per post as the page's scan reaches it (a subquery
    here would hash every such post of every group)."""
    return Q(feed_large_group__isnull=False)


def feed_posts(*, viewer, order: str = TOP, candidates: Candidates | None = None) -> QuerySet[Post]:
    """The viewer's feed: from `candidates` (their set's ids for this page, with `cache_suspect`
    on each row), or else from their FeedEntry rows; with their groups' posts read at request
    time."""
    read = _read_at_request()
    if order == TOP:  # the newest top_window() of the posts read at request time, as of the rows
        read &= Q(pk__gte=_read_floor(viewer))
    # the last line of defence: posts of the viewer's live groups, neither hidden nor deleted
    # (members read their groups' content, whatever its visibility), nor by someone they block
    posts = _shown(Post.objects.filter(not_blocked_q(viewer), group_id__in=_groups(viewer)))
    if candidates is not None:
        below_set = Q(pk__gte=candidates.floor) if order == RECENT else Q()
        posts = posts.filter(
            Q(IdAmong(F("pk"), id_array(candidates.post_ids))) | (read & below_set)
        )
        if order == TOP:  # ranked on narrow rows first; only the page's are loaded whole
            ranked = _with_rank(posts).order_by(*ORDERING[TOP])
            if candidates.rank_below is not None:
                ranked = ranked.filter(feed_rank__lt=candidates.rank_below)
            posts = Post.objects.filter(pk__in=Subquery(ranked.values("pk")[: candidates.take]))
        posts = posts.annotate(cache_suspect=_suspect(viewer))
    else:
        entries = FeedEntry.objects.filter(user=viewer)
        if order == TOP:  # the newest top_window(), as the set gives them
            window = top_window()
            newest = entries.order_by("-post_id").values("post_id")[window - 1 : window]
            entries = entries.filter(post_id__gte=Coalesce(Subquery(newest), 0))
        posts = posts.filter(Q(pk__in=entries.values("post_id")) | read)
    posts = posts_for_page(posts, viewer=viewer)
    return _with_rank(posts) if order == TOP else posts


def _read_floor(viewer):
    """The id of the top_window()-th newest live post of the viewer's groups read at request
    time (0 if fewer): `top` ranks no older one of them, whatever their number."""
    window = top_window()
    newest = (
        _shown(Post.objects.filter(_read_at_request(), group_id__in=_groups(viewer)))
        .order_by("-id")
        .values("id")[window - 1 : window]
    )
    return Coalesce(Subquery(newest), 0)


def _suspect(viewer) -> Q:
    """Whether the viewer's set may miss a write: a chunk whose cache write failed covers them,
    or a drop of their set failed (probes of small tables, evaluated once per query)."""
    stale_chunk = FanoutChunk.objects.filter(
        cache_stale=True, after_user_id__lt=viewer.pk, last_user_id__gte=viewer.pk
    )
    return Exists(stale_chunk) | Exists(CacheRepair.objects.filter(user_id=viewer.pk))


def group_feed_posts(*, viewer, access: GroupAccess, order: str = TOP) -> QuerySet[Post]:
    """A group's feed: its live posts, if the viewer may read the group (else PermissionDenied),
    hidden ones for nobody, nor those of people the viewer blocks."""
    access.require_content()
    posts = posts_for_page(_shown(readable_posts(access, viewer=viewer)), viewer=viewer)
    return _with_rank(posts) if order == TOP else posts
