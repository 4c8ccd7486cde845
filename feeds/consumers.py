"""The feeds consumer on the event stream (see divan.events.consumers)."""

from django.db import transaction

from communities.events import POST_COUNTS_CHANGED, EventType
from divan.events.consumers import Event, consumer
from feeds.services import (
    fanout_plan,
    fanout_replan,
    feed_backfill,
    feed_remove_group,
    feed_remove_post,
    score_refresh,
)
from feeds.tasks import fanout_chunk

# What takes a group's posts out of one reader's feed.
LEFT = frozenset({EventType.MEMBERSHIP_LEFT, EventType.MEMBERSHIP_REMOVED, EventType.BAN_CREATED})


@consumer("feeds")
def feeds(event: Event) -> None:
    """Keep feeds following the events:
    - post.created: score the post, plan its fan-out in this transaction (with the event's
      dedup record), and queue the chunks once it commits (a lost queueing is found by the
      sweep); post.restored: fan it out again to the members as they are now (or, in a group
      over the limit now, read it at request time from then on);
    - a reaction or comment changed: score the post again;
    - post.hidden, post.deleted: the post leaves every feed;
    - membership.left, membership.removed, ban.created: the group's posts leave that reader's
      feed; group.archived: every feed;
    - membership.joined: the new member gets the group's newest posts.
    Reads check visibility too, as the last line of defence while an event is on its way."""
    payload = event.payload
    if event.type in (EventType.POST_CREATED, EventType.POST_RESTORED):
        score_refresh([payload["post_id"]])
        plan = fanout_plan if event.type == EventType.POST_CREATED else fanout_replan
        chunks = plan(post_id=payload["post_id"])
        transaction.on_commit(lambda: _queue([chunk.pk for chunk in chunks if not chunk.done_at]))
    elif event.type in POST_COUNTS_CHANGED:
        score_refresh([payload["post_id"]])
    elif event.type in (EventType.POST_HIDDEN, EventType.POST_DELETED):
        feed_remove_post(post_id=payload["post_id"])
    elif event.type in LEFT:
        feed_remove_group(group_id=payload["group_id"], user_id=payload["user_id"])
    elif event.type == EventType.GROUP_ARCHIVED:
        feed_remove_group(group_id=payload["group_id"])
    elif event.type == EventType.MEMBERSHIP_JOINED:
        feed_backfill(group_id=payload["group_id"], user_id=payload["user_id"])


def _queue(chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        fanout_chunk.apply_async(args=[chunk_id])
