"""How long notifications are kept: rows older than NOTIFICATIONS_KEEP_DAYS (read or not) and a
person's rows beyond their newest NOTIFICATIONS_KEEP_PER_USER go, and recipient chunks a day
after they were done.

`notifications.purge` (beat, daily) walks the users by id, NOTIFICATIONS_PURGE_BATCH at a time:
one DELETE per batch removes both kinds of rows of those users, ranking each user's rows by id
(newest first) over the inbox index (recipient, -id), so a statement touches only its batch's
rows and never holds locks on the whole table. Each batch is a task of its own that queues the
next one; a lost task leaves the rest for the next day's run, which starts again from the first
user. An item's age is that of its last event (`updated_at`): a folded reaction item that
someone added to yesterday is a day old.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from divan.models import User
from notifications.models import Notification, RecipientChunk


def notifications_purge_users(*, user_ids: list[int], now) -> int:
    """Deletes the old rows, and the rows beyond the newest kept, of these users: one statement."""
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS)
    ranked = (
        Notification.objects.filter(recipient_id__in=user_ids)
        .annotate(
            newest=Window(RowNumber(), partition_by=[F("recipient_id")], order_by=F("id").desc())
        )
        .filter(Q(newest__gt=settings.NOTIFICATIONS_KEEP_PER_USER) | Q(updated_at__lt=cutoff))
        .values("pk")
    )
    deleted, _ = Notification.objects.filter(pk__in=ranked).delete()
    return deleted


def chunks_purge(*, now) -> int:
    """Recipient chunks done over NOTIFICATIONS_CHUNKS_KEEP_HOURS ago: their dedup is no longer
    needed (a redelivered event that old has long been applied)."""
    cutoff = now - timedelta(hours=settings.NOTIFICATIONS_CHUNKS_KEEP_HOURS)
    deleted, _ = RecipientChunk.objects.filter(done_at__lt=cutoff).delete()
    return deleted


@shared_task(name="notifications.purge", ignore_result=True)
def purge(after_user_id: int = 0) -> int:
    """One batch of users after `after_user_id` (the first run also forgets done chunks); queues
    the next batch while there are users left. Answers the rows deleted."""
    now = timezone.now()
    deleted = chunks_purge(now=now) if after_user_id == 0 else 0
    user_ids = list(
        User.objects.filter(pk__gt=after_user_id)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.NOTIFICATIONS_PURGE_BATCH]
    )
    if not user_ids:
        return deleted
    with transaction.atomic():
        deleted += notifications_purge_users(user_ids=user_ids, now=now)
    if len(user_ids) == settings.NOTIFICATIONS_PURGE_BATCH:
        purge.delay(after_user_id=user_ids[-1])
    return deleted
