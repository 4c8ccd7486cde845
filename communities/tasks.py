"""Thin, named Celery tasks of the communities app."""

from celery import shared_task

from communities.services.membership import ban_purge_expired
from communities.services.uploads import upload_process_image


@shared_task(name="communities.purge_expired_bans", acks_late=True)
def purge_expired_bans() -> int:
    """Idempotent: deleting already-expired bans twice deletes nothing the second time."""
    return ban_purge_expired()


@shared_task(name="communities.process_upload_image", acks_late=True)
def process_upload_image(upload_id: str) -> None:
    """Idempotent: an image processed already is left as it is."""
    upload_process_image(upload_id=upload_id)
