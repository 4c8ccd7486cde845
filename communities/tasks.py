"""Thin, named Celery tasks of the communities app."""

from celery import shared_task

from communities.metrics import uploads_count
from communities.services.membership import ban_purge_expired
from communities.services.uploads import (
    images_unprocessed,
    upload_charges_prune,
    upload_process_image,
    uploads_cleanup,
)
from communities.storage import StorageError
from divan.workers import workers_disabled


@shared_task(name="communities.purge_expired_bans", acks_late=True)
def purge_expired_bans() -> int:
    """Idempotent: deleting already-expired bans twice deletes nothing the second time."""
    if workers_disabled("communities.purge_expired_bans"):
        return 0
    return ban_purge_expired()


# A store that fails is tried again 6 times, after at most 5, 10, 20, 40, 80 and 160 s (jittered):
# at most 315 s in all. Then the task fails and the upload stays ready and unprocessed, which is
# safe: cleanup_uploads queues it again (images_unprocessed, every 10 minutes), so a long outage
# costs one bounded chain of retries per cleanup run, never a chain that retries for ever.
@shared_task(
    name="communities.process_upload_image",
    acks_late=True,
    autoretry_for=(StorageError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=6,
)
def process_upload_image(upload_id: str) -> None:
    """Idempotent: an image processed already is left as it is."""
    if workers_disabled("communities.process_upload_image"):
        return
    upload_process_image(upload_id=upload_id)


@shared_task(name="communities.cleanup_uploads", ignore_result=True)
def cleanup_uploads() -> dict:
    """Idempotent: an upload deleted already is not found again."""
    if workers_disabled("communities.cleanup_uploads"):
        return {}
    for upload_id in images_unprocessed():  # their task was lost (a broker down, a kill)
        process_upload_image.delay(str(upload_id))
    counts = uploads_cleanup()
    uploads_count(counts)
    upload_charges_prune()
    return counts
