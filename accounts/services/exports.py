"""Exports of a person's data (README, Leaving with your data).

A person asks (`export_request`): one export row, pending, and a build queued after the commit;
a second ask while one is in progress is refused by a unique index, not by a check two requests
could both pass. The task `accounts.export_build` runs `export_build`:

1. it claims the export: pending, or building under a lease that ran out (its worker was
   killed). The claim counts the attempt and holds the export until `lease_until`, the task's
   hard time limit and a margin: a second run of the task meanwhile finds it held and does
   nothing, and a killed run's lease runs out for the next one;
2. it writes the archive (accounts/archive.py) to a temporary file, unlinked at once, so a
   killed worker leaves nothing behind, and copies it into the uploads' storage under a key of
   the export's own: a second build writes the same object again, never a second one;
3. it marks the export ready and queues the mail with its link in one transaction, fenced by
   its attempt: only the run that still holds the claim does it, so there is one mail.

A failure gives the claim back and beat's `accounts.sweep` queues the build again after
EXPORT_RETRY_SECONDS, doubling per attempt, at most EXPORT_BUILD_MAX_ATTEMPTS (then the export
`failed`: ask again). The sweep also queues builds whose task was lost or whose worker died,
and deletes archives past their expiry (`expired`).

The archive is offered to its owner alone: `GET /api/auth/export/{id}/download/` answers the
owner, signed in, with a redirect to the storage's own signed, expiring link (a presigned GET,
or the local store's signed token, as for attachments: communities/storage.py), made afresh at
each click, so a link in a mail lives as long as the archive and works for nobody else.
"""

import logging
import tempfile
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.archive import archive_write
from accounts.models import IN_PROGRESS, DataExport, ExportStatus
from communities.storage import StorageError, upload_storage
from divan.exceptions import Conflict, NotFound
from divan.queueing import task_queue

logger = logging.getLogger(__name__)

ARCHIVE_TYPE = "application/zip"
LEASE_MARGIN = timedelta(seconds=5)  # past the task's hard time limit: it is dead by then
RETRY_MAX = timedelta(hours=1)
SWEEP_BATCH = 500
IN_PROGRESS_MESSAGE = "An export of your data is being prepared already; you will get a mail."


def export_request(*, user) -> DataExport:
    """A new export, pending, its build queued once the transaction commits; Conflict while
    another is in progress."""
    try:
        with transaction.atomic():
            export = DataExport.objects.create(
                user=user, next_attempt_at=timezone.now() + _retry_after(0)
            )
    except IntegrityError:  # data_export_one_in_progress
        raise Conflict(IN_PROGRESS_MESSAGE) from None
    transaction.on_commit(lambda: task_queue("accounts.export_build", str(export.pk)), robust=True)
    return export


def export_latest(*, user) -> DataExport:
    """The person's most recent export, whatever its state; NotFound when they never asked."""
    export = DataExport.objects.filter(user=user).order_by("-requested_at").first()
    if export is None:
        raise NotFound("You have not asked for an export of your data.")
    return export


def export_owned(*, user, export_id) -> DataExport:
    """One of the person's exports; another's is as unknown as a missing one."""
    export = DataExport.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise NotFound("No export matches the given query.")
    return export


def export_archive_name(export: DataExport) -> str:
    """The file name a download is saved under."""
    return f"divan-{export.user.username}-{export.requested_at:%Y-%m-%d}.zip"


def export_key(export: DataExport) -> str:
    """Where an export's archive lives in storage: one key per export, whatever the attempt."""
    return f"exports/u{export.user_id}/{export.pk}.zip"


def export_page_path(export: DataExport) -> str:
    return reverse("export-download", kwargs={"export_id": export.pk})


def export_build(*, export_id) -> str:
    """Build one export's archive, if it is this run's to build: 'ready', 'skipped' (built,
    held by another run, or gone), 'retry' (the store failed: the sweep queues it again),
    'failed' (out of attempts) or 'gone' (cancelled meanwhile: its archive deleted)."""
    attempt = _claim(export_id)
    if attempt in ("skipped", "failed"):
        return attempt
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:  # its account was removed meanwhile
        return "gone"
    key = export_key(export)
    storage = upload_storage()
    try:
        with tempfile.TemporaryFile(prefix="divan-export-") as out:
            archive_write(user=export.user, out=out, storage=storage)
            size = out.tell()
            out.seek(0)
            storage.put_file(key, out, ARCHIVE_TYPE)
    except (StorageError, OSError) as error:
        _release(export_id, attempt, error)
        return "retry"
    except BaseException as error:  # a bug, or the soft time limit: the task fails, logged
        _release(export_id, attempt, error)
        raise
    return _finish(export_id, attempt=attempt, key=key, size=size)


def _retry_after(attempts: int) -> timedelta:
    seconds = settings.EXPORT_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), RETRY_MAX)


def _claim(export_id) -> int | str:
    """This run's attempt number, with the export held until its lease ends; or 'skipped' or
    'failed'."""
    now = timezone.now()
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(skip_locked=True)
            .filter(pk=export_id)
            .filter(
                Q(status=ExportStatus.PENDING)
                | Q(status=ExportStatus.BUILDING, lease_until__lt=now)
            )
            .first()
        )
        if export is None:
            return "skipped"
        if export.attempts >= settings.EXPORT_BUILD_MAX_ATTEMPTS:
            export.status, export.lease_until = ExportStatus.FAILED, None
            export.save(update_fields=["status", "lease_until"])
            logger.warning("export %s failed after %s attempts", export.pk, export.attempts)
            return "failed"
        export.status = ExportStatus.BUILDING
        export.attempts += 1
        lease = timedelta(seconds=settings.EXPORT_BUILD_TIME_LIMIT_SECONDS) + LEASE_MARGIN
        export.lease_until = now + lease
        export.next_attempt_at = export.lease_until + _retry_after(export.attempts)
        export.save(update_fields=["status", "attempts", "lease_until", "next_attempt_at"])
        return export.attempts


def _release(export_id, attempt: int, error: BaseException) -> None:
    """A failed attempt gives its claim back; the sweep queues the next one after a backoff."""
    message = f"{type(error).__name__}: {error}"[:500]
    logger.warning("export %s attempt %s failed: %s", export_id, attempt, message)
    DataExport.objects.filter(pk=export_id, status=ExportStatus.BUILDING, attempts=attempt).update(
        status=ExportStatus.PENDING,
        lease_until=None,
        last_error=message,
        next_attempt_at=timezone.now() + _retry_after(attempt),
    )


def _finish(export_id, *, attempt: int, key: str, size: int) -> str:
    """Ready, with its mail, if this run still holds the claim."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status in (ExportStatus.EXPIRED, ExportStatus.FAILED):
            # cancelled while it was built (the account was deleted): nobody will fetch it
            _delete_quietly(key)
            return "gone"
        if export.status != ExportStatus.BUILDING or export.attempts != attempt:
            return "skipped"  # a later attempt holds it now, and writes the same key
        now = timezone.now()
        export.status, export.key, export.size = ExportStatus.READY, key, size
        export.ready_at = now
        export.expires_at = now + timedelta(seconds=settings.EXPORT_LINK_EXPIRY_SECONDS)
        export.lease_until = None
        export.last_error = ""
        export.save(
            update_fields=[
                "status", "key", "size", "ready_at", "expires_at", "lease_until", "last_error",
            ]
        )  # fmt: skip
        _mail_ready(export)  # queued in this transaction (divan.mail): sent once it commits
    return "ready"


def _mail_ready(export: DataExport) -> None:
    """The mail with the link, to the person's verified address (the primary one first); none
    without one: an address nobody verified may not be theirs."""
    address = (
        EmailAddress.objects.filter(user_id=export.user_id, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    if address is None:
        return
    site = (settings.SITE_URL or settings.HUB_URL).rstrip("/")
    context = {
        "username": export.user.username,
        "link": site + export_page_path(export),
        "size": export.size,
        "expires_at": export.expires_at,
    }
    get_adapter().render_mail("accounts/email/export_ready", address, context).send()


def export_download_url(export: DataExport, *, site: str) -> str:
    """A fresh link to the archive itself, signed by the storage as attachments' are, valid
    DOWNLOAD_URL_EXPIRY_SECONDS. Only for a ready export of the person asking."""
    return upload_storage().download_url(
        export.key,
        filename=export_archive_name(export),
        content_type=ARCHIVE_TYPE,
        expires_in=settings.DOWNLOAD_URL_EXPIRY_SECONDS,
        site=site,
    )


def _delete_quietly(key: str) -> None:
    """Delete an archive now if the store answers; otherwise the sweep finds no row for it, so
    say so in the log (its key is in the line)."""
    try:
        upload_storage().delete(key)
    except StorageError as error:
        logger.error("export archive %s not deleted (%s): delete it by hand", key, error)


def exports_expire(*, user=None, now=None) -> dict[str, int]:
    """Delete the archives past their expiry (or all of a person's, with `user`: their account
    is deleted), each under its row's lock, file first: the row becomes `expired` and forgets
    the key once the store deleted it, and keeps it when the store failed (tried again at the
    next sweep)."""
    now = now or timezone.now()
    due = Q(status=ExportStatus.READY, expires_at__lte=now) | (
        Q(status=ExportStatus.EXPIRED) & ~Q(key="")
    )
    rows = DataExport.objects.filter(due)
    if user is not None:
        rows = rows.filter(user=user)
    counts = {"expired": 0, "failed": 0}
    for export_id in rows.values_list("pk", flat=True)[:SWEEP_BATCH]:
        with transaction.atomic():
            export = (
                DataExport.objects.select_for_update(skip_locked=True).filter(due, pk=export_id)
            ).first()
            if export is None:
                continue
            export.status = ExportStatus.EXPIRED
            try:
                upload_storage().delete(export.key)
            except StorageError as error:
                logger.warning("export %s: archive not deleted yet (%s)", export.pk, error)
                export.save(update_fields=["status"])
                counts["failed"] += 1
                continue
            export.key = ""
            export.save(update_fields=["status", "key"])
            counts["expired"] += 1
    return counts


def exports_cancel(*, user) -> int:
    """Every export of a person ends now (their account is being deleted): a build in progress
    finds it expired and deletes what it wrote; `exports_expire` deletes the archives."""
    now = timezone.now()
    return (
        DataExport.objects.filter(user=user)
        .exclude(status=ExportStatus.EXPIRED)
        .update(status=ExportStatus.EXPIRED, expires_at=now, lease_until=None)
    )


def exports_due(*, now=None) -> list:
    """The exports whose build is to be queued again (a lost task, a dead worker, a failure's
    backoff over), each pushed back by EXPORT_RETRY_SECONDS so that a busy queue is not filled
    with copies; the claim lets only one run build."""
    now = now or timezone.now()
    due = Q(status__in=IN_PROGRESS, next_attempt_at__lte=now) & (
        Q(status=ExportStatus.PENDING) | Q(lease_until__lt=now)
    )
    ids = list(
        DataExport.objects.filter(due)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    DataExport.objects.filter(pk__in=ids).update(next_attempt_at=now + _retry_after(0))
    return ids
