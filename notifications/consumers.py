"""The notifications consumer on the event stream (see divan.events.consumers)."""

from django.db import transaction

from divan.events.consumers import Event, consumer
from notifications.delivery import event_deliver
from notifications.tasks import recipient_chunk


@consumer("notifications")
def notifications(event: Event) -> None:
    """Write what the event notifies (notifications/delivery.py), with the event's dedup record;
    the chunks of a large recipient set it planned are queued once that commits (a lost
    queueing is found by the sweep)."""
    chunk_ids = event_deliver(event)
    if chunk_ids:
        transaction.on_commit(lambda: _queue(chunk_ids))


def _queue(chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        recipient_chunk.apply_async(args=[chunk_id])
