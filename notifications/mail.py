"""Notification mail: prompt mails of what a person gets by mail, digests for people away, and
the backlog on /metrics. Every mail goes through Django's mail API, so through the queued mail of
divan/mail.py: the OutboundMail row is written in the same transaction that marks the rows it
carries, and a worker sends it after the commit (at least once at SMTP, its Message-ID kept).

Prompt mail (`notifications.mail_prompt`, beat every NOTIFICATIONS_MAIL_SWEEP_SECONDS): a row with
a `mail_due_at` (the consumer sets it NOTIFICATIONS_MAIL_DELAY_SECONDS after the event when the
type's delivery is mail) makes its recipient due once that time has come. The recipient's rows
still to mail are locked FOR UPDATE SKIP LOCKED, so a second run, or the task run twice, passes
them by; what is still mailable goes in one mail, even rows not yet due (several replies within
the delay: one mail), and is marked `mailed_at` in the mail's transaction. A killed run rolls
back both. What may not go (read meanwhile, no longer readable, its type's mail turned off, no
active account with a verified primary address) loses its `mail_due_at`: it stays in the inbox,
and is never picked again.

Digest (`notifications.mail_digest`, hourly): for people away from their notifications (no
sign-in and no notification read for NOTIFICATIONS_DIGEST_AWAY_HOURS), at most once per
NOTIFICATIONS_DIGEST_EVERY_DAYS, the unread rows no mail carried yet, readable now: up to
NOTIFICATIONS_DIGEST_ITEMS of them and the count of the rest; those rows are marked `mailed_at`
and `digest_sent_at` is set in the mail's transaction, so no item goes in two mails.

A mail says who did what and where (a username, a post's title, a group's name) and links to the
hub; it never carries a post's or a comment's text, nor the name of the moderator who decided.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from prometheus_client.core import GaugeMetricFamily

from divan.metrics import CachedCollector, register_once
from divan.models import User
from notifications.models import MailSettings, Notification
from notifications.selectors import (
    group_hidden_unless_known,
    readable_notifications,
    with_group_known,
)
from notifications.types import Delivery, NotificationType, item_path
from notifications.unsubscribe import (
    DIGEST,
    mail_deliveries,
    target_label,
    unsubscribe_token,
)

logger = logging.getLogger(__name__)

SUBJECT_CHARS = 150
T = NotificationType


# --- What each item says ------------------------------------------------------------------------


def _who(row: Notification) -> str:
    """The latest actor, and how many more events folded into the item."""
    name = row.actor.username if row.actor else "Someone"
    others = row.count - 1
    if others <= 0:
        return name
    return f"{name} and {others} other{'' if others == 1 else 's'}"


def _titled(row: Notification) -> str:
    return f" “{row.post.title}”" if row.post and row.post.title else ""


def _post(row: Notification) -> str:
    return f"“{row.post.title}”" if row.post and row.post.title else "a post"


def _yours(row: Notification) -> str:
    return f"your comment on {_post(row)}" if row.comment_id else f"your post{_titled(row)}"


def _group(row: Notification) -> str:
    return row.group.name if row.group else "a group"


def _reason(row: Notification) -> str:
    reason = str(row.data.get("reason") or "").strip()
    return f": {reason}" if reason else ""


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _role(row: Notification) -> str:
    role = row.data.get("role")
    return f"Your role in {_group(row)} " + (f"is now {role}" if role else "changed")


def _outcome(row: Notification) -> str:
    outcome = row.data.get("outcome")
    outcome = outcome if outcome in ("resolved", "dismissed") else "closed"
    return f"A report you filed in {_group(row)} was {outcome}"


# One sentence per type. Moderators' decisions name no moderator: the decision is the group's.
SENTENCES = {
    T.POST_REPLY: lambda r: f"{_who(r)} commented on your post{_titled(r)}",
    T.COMMENT_REPLY: lambda r: f"{_who(r)} replied to your comment on {_post(r)}",
    T.THREAD_COMMENT: lambda r: f"{_who(r)} commented on {_post(r)}, which you watch",
    T.MENTION: lambda r: (
        f"{_who(r)} mentioned you in {'a comment on ' if r.comment_id else ''}{_post(r)}"
    ),
    T.REACTION: lambda r: f"{_who(r)} reacted to {_yours(r)}",
    T.GROUP_POST: lambda r: f"{_who(r)} posted {_post(r)} in {_group(r)}",
    T.JOIN_REQUEST_APPROVED: lambda r: f"Your request to join {_group(r)} was approved",
    T.JOIN_REQUEST_DENIED: lambda r: f"Your request to join {_group(r)} was declined",
    T.INVITATION: lambda r: f"{_who(r)} invited you to join {_group(r)}",
    T.CONTENT_HIDDEN: lambda r: f"A moderator hid {_yours(r)} in {_group(r)}{_reason(r)}",
    T.CONTENT_RESTORED: lambda r: f"A moderator restored {_yours(r)} in {_group(r)}",
    T.BANNED: lambda r: f"You were banned from {_group(r)}{_reason(r)}",
    T.UNBANNED: lambda r: f"Your ban from {_group(r)} was lifted",
    T.ROLE_CHANGED: _role,
    T.REPORT_RESOLVED: _outcome,
    T.JOIN_REQUEST_NEW: lambda r: f"{_counted(r.count, 'new join request')} to {_group(r)}",
    T.REPORT_NEW: lambda r: f"{_counted(r.count, 'new report')} in {_group(r)}",
}


def hub_url(path: str) -> str:
    return settings.HUB_URL.rstrip("/") + path


def item_link(row: Notification) -> str:
    """The hub's page of what the item is about (notifications.types.item_path), in full."""
    return hub_url(item_path(row))


@dataclass(frozen=True)
class MailItem:
    type: str
    sentence: str
    link: str


def mail_item(row: Notification) -> MailItem:
    sentence = " ".join(SENTENCES[NotificationType(row.type)](row).split())
    return MailItem(type=row.type, sentence=sentence, link=item_link(row))


# --- Composing a mail ---------------------------------------------------------------------------


def unsubscribe_api_url(token: str) -> str:
    """The one-click endpoint (List-Unsubscribe): the API, through the hub's proxy unless
    SITE_URL names where the API is reached."""
    site = (settings.SITE_URL or settings.HUB_URL).rstrip("/")
    return f"{site}{reverse('notifications-unsubscribe')}?token={token}"


def unsubscribe_page_url(token: str) -> str:
    """The hub's page that says what a link stops, with a button (the footer's links)."""
    return hub_url(f"/unsubscribe?token={token}")


def _stop_label(kind: str | None) -> str:
    if kind is None:
        return "No more notification mail at all"
    return f"No more mail for “{target_label(kind)}”"


def _stops(user_id: int, kinds: list[str | None]) -> list[dict]:
    """The footer's links: the hub's unsubscribe page for each target."""
    return [
        {
            "label": _stop_label(kind),
            "url": unsubscribe_page_url(unsubscribe_token(user_id=user_id, kind=kind)),
        }
        for kind in kinds
    ]


def notification_message(
    *, user, address: str, subject: str, intro: str, items: list[MailItem], more: int,
    stops: list[str | None], one_click: str | None,
) -> EmailMultiAlternatives:  # fmt: skip
    """A notification mail: `items` with links to the hub, `more` not listed, a footer with a
    link for each target in `stops` (a type, DIGEST, None: all), and the RFC 8058 headers for
    `one_click`'s target."""
    context = {
        "username": user.username,
        "intro": intro,
        "items": items,
        "more": more,
        "site_name": settings.SITE_NAME,
        "inbox_url": hub_url("/notifications"),
        "settings_url": hub_url("/account/notifications"),
        "stops": _stops(user.pk, stops),
    }
    token = unsubscribe_token(user_id=user.pk, kind=one_click)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_api_url(token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies to this
    }
    subject = Truncator(" ".join(subject.split())).chars(SUBJECT_CHARS)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string("notifications/mail.txt", context),
        to=[address],
        headers=headers,
    )
    message.attach_alternative(render_to_string("notifications/mail.html", context), "text/html")
    return message


def _address(user_id: int) -> str | None:
    """The verified primary address, the one a mail may go to."""
    return (
        EmailAddress.objects.filter(user_id=user_id, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )


def _loaded(ids, *, recipient) -> list[Notification]:
    """The rows a mail lists, with what their sentences name, in one query (a group its
    recipient may no longer know left unnamed)."""
    rows = list(
        with_group_known(
            Notification.objects.filter(pk__in=ids).select_related(
                "actor", "group", "post", "comment"
            ),
            recipient,
        ).order_by("-id")
    )
    group_hidden_unless_known(rows)
    return rows


# --- Prompt mail --------------------------------------------------------------------------------


def _unsent() -> Q:
    """Rows waiting for a prompt mail (the partial index notification_mail_due)."""
    return Q(mail_due_at__isnull=False, mailed_at__isnull=True)


def prompt_recipients(now, limit: int) -> list[int]:
    """Recipients with a row due, the longest waiting first."""
    return list(
        Notification.objects.filter(_unsent(), mail_due_at__lte=now, read_at__isnull=True)
        .values("recipient_id")
        .annotate(first_due=Min("mail_due_at"))
        .order_by("first_due", "recipient_id")
        .values_list("recipient_id", flat=True)[:limit]
    )


def prompt_mail_send(*, recipient_id: int, now) -> bool:
    """One recipient's prompt mail, if one of their mailable rows is due: whether one went.
    Rows that may not be mailed lose their mail_due_at in the same transaction."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(_unsent(), recipient_id=recipient_id)
            .values_list("pk", "type", "mail_due_at", "read_at")
        )
        if not pending:
            return False
        user = User.objects.filter(pk=recipient_id, is_active=True).first()
        address = _address(recipient_id) if user else None
        mailable: set[int] = set()
        if address:
            deliveries = mail_deliveries(recipient_id)
            wanted = [pk for pk, kind, _, read_at in pending
                      if read_at is None and deliveries.get(kind) == Delivery.MAIL]  # fmt: skip
            mailable = set(
                readable_notifications(user).filter(pk__in=wanted).values_list("pk", flat=True)
            )
        dropped = [pk for pk, *_ in pending if pk not in mailable]
        if dropped:
            Notification.objects.filter(pk__in=dropped).update(mail_due_at=None)
        if not any(due <= now for pk, _, due, _ in pending if pk in mailable):
            return False  # only rows not yet due: they go when one is
        rows = _loaded(mailable, recipient=user)
        items = [mail_item(row) for row in reversed(rows)]  # oldest first, as they happened
        kinds = list(dict.fromkeys(item.type for item in items))
        subject = items[-1].sentence if len(items) == 1 else (
            f"{items[-1].sentence} (and {len(items) - 1} more)"
        )  # fmt: skip
        notification_message(
            user=user, address=address, subject=subject,
            intro=f"Here is what happened on {settings.SITE_NAME}:", items=items, more=0,
            stops=[*kinds, None], one_click=kinds[0] if len(kinds) == 1 else None,
        ).send()  # fmt: skip
        Notification.objects.filter(pk__in=mailable).update(mailed_at=timezone.now())
    return True


def _forget_read() -> int:
    """Rows read before their mail went are not mailed, and are not looked at again."""
    return Notification.objects.filter(_unsent(), read_at__isnull=False).update(mail_due_at=None)


@shared_task(name="notifications.mail_prompt", ignore_result=True)
def mail_prompt() -> int:
    """Sends the prompt mails due, NOTIFICATIONS_MAIL_BATCH recipients at a time; a full batch
    that sent something queues the next run at once (one that sent nothing leaves the rest to
    beat's next run, so two runs skipping each other's locked rows never spin). Safe to run
    twice at once (rows are locked, skipped, marked)."""
    now = timezone.now()
    _forget_read()
    recipients = prompt_recipients(now, settings.NOTIFICATIONS_MAIL_BATCH)
    sent = sum(prompt_mail_send(recipient_id=pk, now=now) for pk in recipients)
    if sent and len(recipients) == settings.NOTIFICATIONS_MAIL_BATCH:
        mail_prompt.delay()
    return sent


# --- Digest -------------------------------------------------------------------------------------


def _digest_rows() -> Q:
    """Unread rows that no mail carried and none is waiting to carry."""
    return Q(read_at__isnull=True, mailed_at__isnull=True, mail_due_at__isnull=True)


def digest_recipients(now, *, after_user_id: int, limit: int) -> list[int]:
    """People a digest is due for, by id after `after_user_id`: active, with a verified primary
    address, away (no sign-in and no notification read for NOTIFICATIONS_DIGEST_AWAY_HOURS), the
    digest on and none sent within NOTIFICATIONS_DIGEST_EVERY_DAYS, and an unread row no mail
    carried. One statement; each is checked again under its lock before its mail."""
    away = now - timedelta(hours=settings.NOTIFICATIONS_DIGEST_AWAY_HOURS)
    recent = now - timedelta(days=settings.NOTIFICATIONS_DIGEST_EVERY_DAYS)
    addresses = EmailAddress.objects.filter(primary=True, verified=True)
    not_due = MailSettings.objects.filter(Q(digest=False) | Q(digest_sent_at__gt=recent))
    return list(
        User.objects.filter(pk__gt=after_user_id, is_active=True)
        .filter(Q(last_login__lt=away) | Q(last_login__isnull=True, date_joined__lt=away))
        .filter(Exists(addresses.filter(user=OuterRef("pk"))))
        .filter(Exists(Notification.objects.filter(_digest_rows(), recipient=OuterRef("pk"))))
        .exclude(Exists(Notification.objects.filter(recipient=OuterRef("pk"), read_at__gte=away)))
        .exclude(Exists(not_due.filter(user=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def digest_mail_send(*, user_id: int, now) -> bool:
    """One person's digest, if it is still due under the lock of their mail settings."""
    away = now - timedelta(hours=settings.NOTIFICATIONS_DIGEST_AWAY_HOURS)
    recent = now - timedelta(days=settings.NOTIFICATIONS_DIGEST_EVERY_DAYS)
    with transaction.atomic():
        MailSettings.objects.bulk_create([MailSettings(user_id=user_id)], ignore_conflicts=True)
        prefs = (
            MailSettings.objects.select_for_update(skip_locked=True).filter(user_id=user_id).first()
        )
        if prefs is None or not prefs.digest:
            return False
        if prefs.digest_sent_at is not None and prefs.digest_sent_at > recent:
            return False
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or (user.last_login or user.date_joined) >= away:
            return False
        address = _address(user_id)
        if address is None:
            return False
        deliveries = mail_deliveries(user_id)
        off = [kind for kind, delivery in deliveries.items() if delivery == Delivery.OFF]
        ids = list(
            readable_notifications(user)
            .filter(_digest_rows())
            .exclude(type__in=off)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("-id")
            .values_list("pk", flat=True)
        )
        if not ids:
            return False
        listed = ids[: settings.NOTIFICATIONS_DIGEST_ITEMS]
        items = [mail_item(row) for row in _loaded(listed, recipient=user)]
        total = len(ids)
        notification_message(
            user=user, address=address,
            subject=f"{_counted(total, 'unread notification')} while you were away",
            intro=f"While you were away, {_counted(total, 'notification')} came that you have "
            "not read yet:",
            items=items, more=total - len(listed), stops=[DIGEST, None], one_click=DIGEST,
        ).send()  # fmt: skip
        Notification.objects.filter(pk__in=ids).update(mailed_at=timezone.now())
        prefs.digest_sent_at = now
        prefs.save(update_fields=["digest_sent_at"])
    return True


@shared_task(name="notifications.mail_digest", ignore_result=True)
def mail_digest(after_user_id: int = 0) -> int:
    """Sends the digests due, NOTIFICATIONS_MAIL_BATCH people at a time by id; a full batch
    queues the rest as the next task, so each hourly pass goes through everyone once."""
    now = timezone.now()
    limit = settings.NOTIFICATIONS_MAIL_BATCH
    people = digest_recipients(now, after_user_id=after_user_id, limit=limit)
    sent = sum(digest_mail_send(user_id=pk, now=now) for pk in people)
    if len(people) == limit:
        mail_digest.delay(after_user_id=people[-1])
    return sent


# --- /metrics -----------------------------------------------------------------------------------


def mail_due_status() -> dict:
    """Rows due to be mailed and not yet in a mail, and how long the oldest has been due."""
    now = timezone.now()
    row = Notification.objects.filter(
        _unsent(), mail_due_at__lte=now, read_at__isnull=True
    ).aggregate(due=Count("*"), oldest=Min("mail_due_at"))
    age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return {"due": row["due"], "oldest_due_seconds": round(max(age, 0.0), 1)}


class NotificationMailCollector(CachedCollector):
    def read(self):
        try:
            status = mail_due_status()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: notification mail unreadable: %s", error)
            return
        yield GaugeMetricFamily(
            "divan_notification_mail_due",
            "Notifications due to be mailed that no mail has carried yet",
            value=status["due"],
        )
        yield GaugeMetricFamily(
            "divan_notification_mail_oldest_due_age_seconds",
            "How long the oldest notification due to be mailed has waited past its time",
            value=status["oldest_due_seconds"],
        )


def register() -> None:
    register_once(NotificationMailCollector)
