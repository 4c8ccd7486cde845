"""Thin, named Celery tasks of notifications; each safe to run twice or to be killed halfway.
While COMMUNITIES_WORKERS_ENABLED is false they do nothing and say so."""

from celery import shared_task

from divan.workers import workers_disabled
from notifications.delivery import chunk_sweep, recipient_chunk_run


@shared_task(name="notifications.recipient_chunk", ignore_result=True, acks_late=True)
def recipient_chunk(chunk_id: int) -> int:
    """Write one chunk of a large recipient set (and mark it done), once."""
    if workers_disabled("notifications.recipient_chunk"):
        return 0
    return recipient_chunk_run(chunk_id)


@shared_task(name="notifications.chunk_sweep", ignore_result=True)
def sweep_chunks() -> int:
    """Queue again the chunks whose task was lost; forget the chunks done long ago."""
    if workers_disabled("notifications.chunk_sweep"):
        return 0
    lost = chunk_sweep()
    for chunk_id in lost:
        recipient_chunk.apply_async(args=[chunk_id])
    return len(lost)
