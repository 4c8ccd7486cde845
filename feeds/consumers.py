"""The feeds consumer on the event stream (see divan.events.consumers)."""

from django.db import transaction

from divan.events.consumers import Event, consumer
from feeds.services import fanout_plan, score_refresh

# What moves a post's score: its reactions and its live comments.
RESCORED = frozenset(
    {
        "reaction.added",
        "reaction.removed",
        "comment.created",
        "comment.deleted",
        "comment.hidden",
        "comment.restored",
    }
)


@consumer("feeds")
def feeds(event: Event) -> None:
    """post.created: score the post, plan its fan-out in this transaction (with the event's
    dedup record), and queue the chunks once it commits (a queueing lost is found by the sweep).
    A reaction or comment on a post: score the post again."""
    if event.type == "post.created":
        score_refresh([event.payload["post_id"]])
        chunks = fanout_plan(post_id=event.payload["post_id"])
        transaction.on_commit(lambda: _queue([chunk.pk for chunk in chunks if not chunk.done_at]))
    elif event.type in RESCORED:
        score_refresh([event.payload["post_id"]])


def _queue(chunk_ids: list[int]) -> None:
    from feeds.tasks import fanout_chunk

    for chunk_id in chunk_ids:
        fanout_chunk.apply_async(args=[chunk_id])
