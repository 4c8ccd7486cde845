"""The feeds consumer on the event stream (see divan.events.consumers)."""

from django.db import transaction

from divan.events.consumers import Event, consumer
from feeds.services import fanout_plan


@consumer("feeds")
def feeds(event: Event) -> None:
    """post.created: plan the post's fan-out in this transaction (with the event's dedup record),
    and queue its chunks once it commits; a queueing lost is found by the sweep."""
    if event.type == "post.created":
        chunks = fanout_plan(post_id=event.payload["post_id"])
        transaction.on_commit(lambda: _queue([chunk.pk for chunk in chunks if not chunk.done_at]))


def _queue(chunk_ids: list[int]) -> None:
    from feeds.tasks import fanout_chunk

    for chunk_id in chunk_ids:
        fanout_chunk.apply_async(args=[chunk_id])
