"""A page of a reader's feed, in one function (`feed_page`): from their Redis set or from
PostgreSQL, which gives the same page; the view only parses the request and renders the page.

The queries are feeds.selectors' (they never write); what a page may write is here, each an
explicit step: marking the reader active (feeds.services.reader_mark_active, reader_renew), the
fill of a cold set, and the read counters (`divan_feed_reads_total`)."""

import math

import redis
from django.conf import settings
from rest_framework.pagination import Cursor

from divan.pagination import CursorPage, cursor_page
from feeds import cache
from feeds.models import FeedEntry
from feeds.ranking import top_window
from feeds.selectors import ORDERING, RECENT, Candidates, feed_posts
from feeds.services import reader_mark_active, reader_renew


def feed_page(*, viewer, order: str, cursor: Cursor | None, page_size: int) -> CursorPage:
    """The viewer's feed page at `cursor`, in `order`, `page_size` posts, cut as every list is
    (divan.pagination: the same cursors and links from either source).

    1. A page the set cannot give (going back up, a cursor this API never wrote, an offset on
       `recent`) is read from PostgreSQL, and nothing is written.
    2. The set's ids for the page are read (one round trip; feeds/cache.py):
       - Redis down: counted; the reader is marked active if they were not (a returning
         reader's feed is rebuilt first), and PostgreSQL answers;
       - cold (first read, expired, dropped): the reader is marked active (rebuilt first if
         they were away), then the set is filled from their rows and the page's candidates
         taken from the same ids (a fill under way elsewhere: PostgreSQL answers);
       - warm, its expiry due for renewal (once a day): the reader's activity and the set's
         expiry are renewed.
       Ids that end before the feed does (a feed longer than the set) give no candidates:
       PostgreSQL answers.
    3. The candidates' page (feeds.selectors.feed_posts, one query) is served when it can be
       trusted: full or the feed's last, and no failed cache write covers the reader (the
       query's `cache_suspect`); counted as served from the cache, or as a fallback.
    4. Otherwise the page is read from PostgreSQL: the reader's FeedEntry rows and their
       groups' posts read at request time, as the set would have given them."""
    ordering = ORDERING[order]
    candidates = _candidates_from_cache(viewer, order=order, cursor=cursor, page_size=page_size)
    if candidates is not None:
        page = cursor_page(
            feed_posts(viewer=viewer, order=order, candidates=candidates),
            ordering=ordering, cursor=cursor, page_size=page_size,
        )  # fmt: skip
        whole = page.has_next or candidates.complete
        trusted = bool(page.items) and not page.items[0].cache_suspect and whole
        if not candidates.filled:  # a fill counts its read itself
            cache.count_later("reads_cached" if trusted else "reads_fallback")
        if trusted:
            return page
    return cursor_page(
        feed_posts(viewer=viewer, order=order), ordering=ordering, cursor=cursor,
        page_size=page_size,
    )  # fmt: skip


def _candidates_from_cache(viewer, *, order: str, cursor: Cursor | None,
                           page_size: int) -> Candidates | None:  # fmt: skip
    """Steps 1 and 2 of feed_page: the reader's post ids for this page from their set, filled
    first when it is cold; None when the page is to be read from PostgreSQL."""
    if cursor is not None and cursor.reverse:
        return None  # a previous page (rare): PostgreSQL answers
    position = cursor.position if cursor is not None else None
    offset = cursor.offset if cursor is not None else 0
    if order == RECENT:
        if offset or not _is_id(position):
            return None
        below = int(position) if position else None
        count = 2 * page_size + 1  # a page, the next one's first, and a margin for the hidden
        top = {}
    else:
        rank_below = _rank(position)
        if rank_below is False:
            return None
        below, count = None, top_window()
        top = {"take": offset + page_size + 1, "rank_below": rank_below}
    try:
        window = cache.cache_window(viewer.pk, below=below, count=count)
    except redis.RedisError:
        cache.count_later("reads_redis_down")
        reader_mark_active(user_id=viewer.pk, renew=False)
        return None
    if window is None:
        reader_mark_active(user_id=viewer.pk)
        return _fill(viewer, below=below, count=count, **top)
    if window.renew:
        reader_renew(user_id=viewer.pk)
    return _candidates(window.post_ids, end=window.end, count=count, **top)


def _rank(position: str | None) -> float | bool | None:
    """A `top` cursor's position as a score, None for none, False for one this API never wrote."""
    if position is None:
        return None
    try:
        rank = float(position)
    except ValueError:
        return False
    return rank if math.isfinite(rank) else False


def _is_id(position: str | None) -> bool:
    return position is None or (position.isascii() and position.isdigit())


def _candidates(post_ids: list[int], *, end: bool, count: int, filled: bool = False,
                **top) -> Candidates | None:  # fmt: skip
    """Candidates from `count` ids read newest first (below the cursor for `recent`; for `top`,
    with `top`'s arguments, its window). None when they end before the feed does (a feed longer
    than the set): PostgreSQL answers that page."""
    if end:
        return Candidates(post_ids=post_ids, floor=0, complete=True, filled=filled, **top)
    if len(post_ids) < count:
        return None
    return Candidates(post_ids=post_ids, floor=min(post_ids), complete=bool(top), filled=filled,
                      **top)  # fmt: skip


def _fill(viewer, *, below: int | None, count: int, **top) -> Candidates | None:
    """A cold set, its reader marked active: their newest FEED_CACHE_MAX post ids are read and
    copied into the set, and this page's candidates are taken from the same ids."""
    try:
        placeholder = cache.cache_fill_begin(viewer.pk)
    except redis.RedisError:
        cache.count_later("reads_redis_down")
        return None
    if placeholder is None:
        return None  # filled meanwhile by another read: PostgreSQL answers this one
    cache.count_later("reads_cold")
    cap = settings.FEED_CACHE_MAX
    newest = list(
        FeedEntry.objects.filter(user=viewer)
        .order_by("-post_id")
        .values_list("post_id", flat=True)[:cap]
    )
    whole = len(newest) < cap  # else the set holds the newest `cap`, not the feed's end
    try:
        cache.cache_fill_finish(viewer.pk, placeholder, newest, whole=whole)
    except redis.RedisError:
        cache.count_later("reads_redis_down")
    ids = [post_id for post_id in newest if below is None or post_id < below][:count]
    return _candidates(ids, end=whole and len(ids) < count, count=count, filled=True, **top)
