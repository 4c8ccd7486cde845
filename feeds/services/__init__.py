"""Every write of feeds: fan-out (fanout.py), scores (rescoring.py), rebuilds and readers
(rebuild.py)."""

from feeds.services.fanout import (
    active_since,
    fanout_chunk_run,
    fanout_plan,
    fanout_purge,
    fanout_replan,
    fanout_sweep,
    feed_add_own,
    feed_backfill,
    feed_remove_group,
    feed_remove_post,
)
from feeds.services.rebuild import (
    feed_forget,
    feed_rebuild,
    feeds_prune,
    reader_mark_active,
    reader_renew,
)
from feeds.services.rescoring import posts_rescore, rescore_recent, score_refresh

__all__ = [
    "active_since",
    "fanout_chunk_run",
    "fanout_plan",
    "fanout_purge",
    "fanout_replan",
    "fanout_sweep",
    "feed_add_own",
    "feed_backfill",
    "feed_forget",
    "feed_rebuild",
    "feed_remove_group",
    "feed_remove_post",
    "feeds_prune",
    "posts_rescore",
    "reader_mark_active",
    "reader_renew",
    "rescore_recent",
    "score_refresh",
]
