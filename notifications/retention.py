"""How long notifications are kept: rows older than NOTIFICATIONS_KEEP_DAYS (read or not) and a
person's rows beyond their newest NOTIFICATIONS_KEEP_PER_USER go. (Recipient chunks are the
delivery's: its chunk sweep forgets those done a day ago.)

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
from notifications.models import Notification
from notifications.unread import unread_changed


def notifications_purge_users(*, user_ids: list[int], now) -> int:
    """Deletes these users' rows past the age, and beyond the newest kept of the others: one
    statement, after one that reads whose unread items go (their unread counts change)."""
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS)
    theirs = Notification.objects.filter(recipient_id__in=user_ids)
    beyond_the_newest = (
        theirs.filter(updated_at__gte=cutoff)
        .annotate(
            newest=Window(RowNumber(), partition_by=[F("recipient_id")], order_by=F("id").desc())
        )
        .filter(newest__gt=settings.NOTIFICATIONS_KEEP_PER_USER)
        .values("pk")
    )
    gone = theirs.filter(Q(updated_at__lt=cutoff) | Q(pk__in=beyond_the_newest))
    unread_changed(gone.filter(read_at__isnull=True).values_list("recipient_id", flat=True))
    deleted, _ = gone.delete()
    return deleted


@shared_task(name="notifications.purge", ignore_result=True)
def purge(after_user_id: int = 0) -> int:
    """One batch of users after `after_user_id`; queues the next batch while there are users
    left. Answers the rows deleted."""
    now = timezone.now()
    user_ids = list(
        User.objects.filter(pk__gt=after_user_id)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.NOTIFICATIONS_PURGE_BATCH]
    )
    if not user_ids:
        return 0
    with transaction.atomic():
        deleted = notifications_purge_users(user_ids=user_ids, now=now)
    if len(user_ids) == settings.NOTIFICATIONS_PURGE_BATCH:
        purge.delay(after_user_id=user_ids[-1])
    return deleted
