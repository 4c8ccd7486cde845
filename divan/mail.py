"""Mail that never slows or fails a request: Django's mail API, queued in the database.

`EMAIL_BACKEND` is `QueuedEmailBackend`: whoever sends a mail through Django (django-allauth,
the admin, our own code) writes an `OutboundMail` row in their own transaction, and the Celery
task `divan.mail.deliver` sends it after the commit through `EMAIL_DELIVERY_BACKEND` (Django's
SMTP backend, configured by Django's own EMAIL_* settings). A mail that the server refuses or
cannot take (down, slow past EMAIL_TIMEOUT) is tried again later, each wait twice the last
(MAIL_RETRY_BASE_SECONDS up to MAIL_RETRY_MAX_SECONDS), at most MAIL_MAX_ATTEMPTS times; beat's
`divan.mail.sweep` sends what is due again, so neither a lost task nor a worker killed mid-send
loses a mail. A worker killed after the server took a mail but before its row was marked sent
sends it again (at least once: SMTP has no way to ask whether a message arrived); the retry
keeps its Message-ID, so a receiving server or client can fold the two.

django-celery-email did this once; it has not been released since 2019, so these few lines are
ours (README, Mail).
"""

import logging
import smtplib
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from divan.metrics import CachedCollector, register_once
from divan.models import OutboundMail

logger = logging.getLogger(__name__)


def message_payload(message) -> dict:
    """What a worker needs to send `message` again: plain JSON, for the row and the task."""
    if message.attachments:
        raise ValueError("queued mail carries no attachments: link to the file instead")
    headers = dict(message.extra_headers)
    headers.setdefault("Message-ID", make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN))
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": headers,
        "alternatives": [[str(content), mimetype] for content, mimetype in
                         getattr(message, "alternatives", [])],
    }  # fmt: skip


def message_from_payload(payload: dict, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        connection=connection,
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


class QueuedEmailBackend(BaseEmailBackend):
    """Writes each message as an OutboundMail row and sends it from a worker after the commit."""

    def send_messages(self, email_messages) -> int:
        messages = [m for m in email_messages if m.recipients()]
        if not messages:
            return 0
        now = timezone.now()
        rows = OutboundMail.objects.bulk_create(
            [
                OutboundMail(
                    payload=message_payload(m),
                    recipients=len(m.recipients()),
                    next_attempt_at=now,
                )
                for m in messages
            ]
        )
        for row in rows:
            # robust: with the broker away the request still succeeds; beat's sweep sends it
            transaction.on_commit(partial(deliver.delay, row.pk), robust=True)
        return len(rows)


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from the base, capped."""
    seconds = settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_SECONDS))


# What a mail server's absence or refusal looks like: the mail waits and is tried again. Any
# other error is a bug in the message: it fails at once, for staff to see.
TRANSIENT = (smtplib.SMTPException, OSError)


@shared_task(name="divan.mail.deliver", ignore_result=True)
def deliver(mail_id: int) -> str:
    """Sends one queued mail if it is due and unsent; a no-op for a sent, failed or locked one
    (a second delivery of the same task, or the sweep's, runs into the first's row lock)."""
    with transaction.atomic():
        mail = (
            OutboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, sent_at=None, failed_at=None, next_attempt_at__lte=timezone.now())
            .first()
        )
        if mail is None:
            return "skipped"
        mail.attempts += 1
        try:
            with get_connection(settings.EMAIL_DELIVERY_BACKEND) as connection:
                message_from_payload(mail.payload, connection).send()
        except TRANSIENT as error:
            mail.last_error = f"{type(error).__name__}: {error}"[:1000]
            if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
                mail.failed_at = timezone.now()
                logger.error("mail %s failed for good after %s attempts: %s",
                             mail.pk, mail.attempts, mail.last_error)  # fmt: skip
            else:
                mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
                logger.warning("mail %s not sent (attempt %s), again at %s: %s", mail.pk,
                               mail.attempts, mail.next_attempt_at, mail.last_error)  # fmt: skip
            mail.save(update_fields=["attempts", "last_error", "failed_at", "next_attempt_at"])
            return "retry" if mail.failed_at is None else "failed"
        mail.sent_at = timezone.now()
        mail.payload = {}  # the message's text is kept no longer than it takes to send it
        mail.save(update_fields=["attempts", "sent_at", "payload"])
        return "sent"


@shared_task(name="divan.mail.sweep", ignore_result=True)
def sweep() -> int:
    """Sends again every mail that is due: the retries, and any whose task was lost."""
    due = list(
        OutboundMail.objects.filter(
            sent_at=None, failed_at=None, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.MAIL_SWEEP_BATCH]
    )
    for pk in due:
        deliver.delay(pk)
    return len(due)


@shared_task(name="divan.mail.purge", ignore_result=True)
def purge() -> int:
    """Forgets sent and given-up mails after MAIL_KEEP_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.MAIL_KEEP_DAYS)
    sent, _ = OutboundMail.objects.filter(sent_at__lt=cutoff).delete()
    failed, _ = OutboundMail.objects.filter(failed_at__lt=cutoff).delete()
    return sent + failed


def mail_queue_status() -> dict:
    """The queue as /readyz and /metrics show it: mails waiting, how long the oldest has waited,
    and those given up (until `purge` forgets them, MAIL_KEEP_DAYS later)."""
    waiting = Q(sent_at=None, failed_at=None)
    row = OutboundMail.objects.aggregate(
        queued=Count("pk", filter=waiting),
        oldest=Min("created_at", filter=waiting),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
    )
    oldest = row["oldest"]
    return {
        "queued": row["queued"],
        "oldest_queued_seconds": round((timezone.now() - oldest).total_seconds(), 1)
        if oldest
        else 0.0,
        "failed": row["failed"],
    }


class MailCollector(CachedCollector):
    def read(self):
        try:
            status = mail_queue_status()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: mail queue unreadable: %s", error)
            return
        yield GaugeMetricFamily(
            "divan_mail_queued", "Mails waiting to be sent", value=status["queued"]
        )
        yield GaugeMetricFamily(
            "divan_mail_oldest_queued_age_seconds",
            "How long the oldest mail still to send has waited",
            value=status["oldest_queued_seconds"],
        )
        yield GaugeMetricFamily(
            "divan_mail_failed", "Mails given up after MAIL_MAX_ATTEMPTS", value=status["failed"]
        )


def register() -> None:
    register_once(MailCollector)
