"""Uploads: a member asks to upload a file (`upload_start`: its limits checked, a presigned POST
back), sends it straight to storage, and asks Divan to check it (`upload_complete`): the object
exists, its size is the declared one and within the limit, and its real type, read from its
first bytes, is the declared one and allowed. Only then is it `ready` to attach. Divan never
trusts the client, nor the store's enforcement of the POST's policy (some S3-compatible stores
do not enforce it). A failed check deletes the object and says why."""

import logging
import secrets
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from communities import images
from communities.events import EventType, attachment_event
from communities.filetypes import sniff, text_refusal
from communities.models import Upload, UploadCharge, UploadStatus
from communities.services.locks import lock_user_quota
from communities.storage import PresignedPost, StorageError, upload_storage
from divan.exceptions import (
    Conflict,
    InvalidInput,
    NotFound,
    QuotaExceeded,
    ServiceUnavailable,
)
from divan.queueing import task_queue

logger = logging.getLogger(__name__)

FILENAME_MAX = 255


def _check_declared(*, filename: str, content_type: str, size: int) -> None:
    errors = {}
    name = PurePosixPath(filename.replace("\\", "/")).name
    if not name or len(filename) > FILENAME_MAX or any(ord(c) < 32 for c in filename):
        errors["filename"] = [f"Give the file's name, at most {FILENAME_MAX} characters."]
    if content_type not in settings.UPLOAD_TYPES:
        allowed = ", ".join(settings.UPLOAD_TYPES)
        errors["content_type"] = [f'"{content_type[:100]}" is not allowed. Allowed: {allowed}.']
    if not 0 < size <= settings.UPLOAD_MAX_BYTES:
        errors["size"] = [f"A file has 1 to {settings.UPLOAD_MAX_BYTES} bytes."]
    if errors:
        raise InvalidInput(errors)


def _check_quota(owner, size: int) -> None:
    now = timezone.now()
    mine = Upload.objects.filter(owner=owner)
    # a link lives UPLOAD_URL_EXPIRY_SECONDS: the bound keeps the count on recent index entries
    link_life = timedelta(seconds=settings.UPLOAD_URL_EXPIRY_SECONDS)
    pending = mine.filter(
        status=UploadStatus.PENDING, expires_at__gt=now, created_at__gt=now - link_life
    )
    if pending.count() >= settings.UPLOAD_QUOTA_PENDING:
        first_to_expire = pending.order_by("expires_at").values_list("expires_at", flat=True)[0]
        raise QuotaExceeded(
            f"You have {settings.UPLOAD_QUOTA_PENDING} uploads pending: complete them first.",
            retry_after=(first_to_expire - now).total_seconds(),
        )
    # what was charged, not what is left: processing shrinks a size, the cleanup deletes rows
    day = UploadCharge.objects.filter(owner=owner, created_at__gt=now - timedelta(days=1))
    used = day.aggregate(total=Coalesce(Sum("size"), 0))["total"]
    if used + size > settings.UPLOAD_QUOTA_BYTES_PER_DAY:
        oldest = day.order_by("created_at").values_list("created_at", flat=True).first() or now
        raise QuotaExceeded(
            f"Uploads are limited to {settings.UPLOAD_QUOTA_BYTES_PER_DAY} bytes a day.",
            retry_after=(oldest + timedelta(days=1) - now).total_seconds(),
        )


def _new_key(owner_id: int) -> str:
    """A key under `tmp/` (which a bucket lifecycle rule may expire: ready uploads move out of
    it) and the owner's prefix: a random name, never the client's filename."""
    return f"{TMP_PREFIX}u{owner_id}/{secrets.token_urlsafe(24)}"


TMP_PREFIX = "tmp/"


def upload_start(
    *, owner, filename: str, content_type: str, size: int, site: str
) -> tuple[Upload, PresignedPost]:
    """A pending upload and the presigned POST that lets its owner send exactly this file:
    its key, its Content-Type, at most its declared size, within UPLOAD_URL_EXPIRY_SECONDS.
    `site`: where the owner reaches Divan (storage.site_url), for the local store's link."""
    _check_declared(filename=filename, content_type=content_type, size=size)
    with transaction.atomic():
        lock_user_quota(owner.pk)  # two starts at once cannot both pass the quota
        _check_quota(owner, size)
        expiry = settings.UPLOAD_URL_EXPIRY_SECONDS
        upload = Upload.objects.create(
            owner=owner,
            key=_new_key(owner.pk),
            filename=PurePosixPath(filename.replace("\\", "/")).name,
            content_type=content_type,
            size=size,
            expires_at=timezone.now() + timedelta(seconds=expiry),
        )
        UploadCharge.objects.create(owner=owner, size=size, created_at=upload.created_at)
    post = upload_storage().presigned_post(
        key=upload.key, content_type=content_type, max_size=size, expires_in=expiry, site=site
    )
    return upload, post


def upload_owned(*, owner, upload_id) -> Upload:
    """One of the owner's uploads, else NotFound (another's is as unknown as a missing one)."""
    upload = Upload.objects.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise NotFound("No upload matches the given query.")
    return upload


def upload_complete(*, owner, upload_id) -> Upload:
    """Check what arrived and make the upload `ready`, or `rejected` (the object deleted, the
    reason kept). Completing a ready or rejected upload again changes nothing. An object not
    there yet is a 409 while the upload may still arrive (try again), and a rejection after.

    The file is first moved out of `tmp/` to its kept key, which no link lets anyone write, and
    that copy is checked: a client cannot swap the file after the check with its still valid
    link."""
    upload = upload_owned(owner=owner, upload_id=upload_id)
    if upload.status != UploadStatus.PENDING:
        return upload
    storage = upload_storage()
    kept = upload.key.removeprefix(TMP_PREFIX)
    try:
        if storage.size(upload.key) is not None:
            storage.move(upload.key, kept)
        size = storage.size(kept)
        head = storage.head(kept) if size else b""
        reason = _check_object(upload, size, head, whole=lambda: storage.chunks(kept))
    except FileNotFoundError:  # another completion moved or deleted it meanwhile
        return _completed_meanwhile(owner=owner, upload_id=upload_id)
    except StorageError as error:
        logger.warning("uploads: storage failed while checking %s: %s", upload.pk, error)
        raise ServiceUnavailable() from error
    if size is None and timezone.now() < upload.expires_at:
        raise Conflict("Nothing has been uploaded yet: send the file first, then complete.")
    with transaction.atomic():
        upload = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if upload is None:
            raise NotFound("No upload matches the given query.")
        if upload.status != UploadStatus.PENDING:
            return upload  # completed meanwhile by a concurrent request
        upload.completed_at = timezone.now()
        if reason:
            upload.status, upload.reason = UploadStatus.REJECTED, reason
        else:
            upload.status, upload.key = UploadStatus.READY, kept
        upload.save(update_fields=["status", "reason", "completed_at", "key"])
        if reason:
            transaction.on_commit(lambda: _delete_quietly(kept))
        elif upload.is_image:
            transaction.on_commit(
                lambda: task_queue("communities.process_upload_image", str(upload.pk)),
                robust=True,
            )
    return upload


def _completed_meanwhile(*, owner, upload_id) -> Upload:
    upload = upload_owned(owner=owner, upload_id=upload_id)
    if upload.status == UploadStatus.PENDING:
        raise Conflict("This upload is being completed; ask again in a moment.")
    return upload


def _check_object(upload: Upload, size: int | None, head: bytes, *, whole) -> str:
    """Why the object is refused ('' when it is what was declared). `whole()`: its chunks, for
    text, which is read to its end (markup may come after the head)."""
    if size is None:
        return "Nothing was uploaded before the upload link expired."
    if size != upload.size:
        return f"The file has {size} bytes; {upload.size} were declared."
    if size > settings.UPLOAD_MAX_BYTES:
        return f"The file is larger than {settings.UPLOAD_MAX_BYTES} bytes."
    real = sniff(head)
    if upload.content_type == "text/plain" and real in (None, "text/plain"):
        return text_refusal(whole())  # says why, wherever in the text it is
    if real is None:
        return "The file's content is not of an allowed type."
    if real != upload.content_type:
        return f"The file's content is {real}, not the declared {upload.content_type}."
    return ""


def _delete_quietly(key: str) -> None:
    """Delete an object now if the store answers; the cleanup task deletes what is left."""
    try:
        upload_storage().delete(key)
    except StorageError as error:
        logger.warning("uploads: %s not deleted yet (%s); cleanup will", key, error)


def _image_refused(upload: Upload, reason: str) -> None:
    """An image Pillow refuses is rejected, and leaves the post or comment it was attached to
    (with its attachment.removed event); its file is deleted."""
    with transaction.atomic():
        locked = (
            Upload.objects.select_for_update(of=("self",))
            .filter(pk=upload.pk, status=UploadStatus.READY)
            .select_related("post", "comment")
            .first()
        )
        if locked is None:
            return
        if locked.post is not None or locked.comment is not None:
            attachment_event(
                EventType.ATTACHMENT_REMOVED,
                locked,
                actor=None,
                post=locked.post,
                comment=locked.comment,
            )
        locked.status, locked.reason = UploadStatus.REJECTED, reason
        locked.post = locked.comment = None
        locked.save(update_fields=["status", "reason", "post", "comment"])
    _delete_quietly(upload.key)


def upload_process_image(*, upload_id) -> Upload | None:
    """Read a ready image with Pillow, bounded (UPLOAD_IMAGE_MAX_PIXELS: a decompression bomb or
    an image too large is refused, the upload rejected and its object deleted); record its width
    and height, write a thumbnail, and replace the object with the same image stripped of EXIF
    (location and camera data): what other users download. Running it twice changes nothing."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != UploadStatus.READY or not upload.processing:
        return upload  # gone, refused, not an image, or processed already
    storage = upload_storage()
    try:
        processed = images.image_clean(storage.read(upload.key, settings.UPLOAD_MAX_BYTES))
    except images.ImageRefused as refusal:
        _image_refused(upload, str(refusal))
        return Upload.objects.get(pk=upload.pk)
    thumbnail_key = f"{upload.key}.thumb.jpg"
    storage.put(thumbnail_key, processed.thumbnail, "image/jpeg")
    storage.put(upload.key, processed.clean, upload.content_type)
    Upload.objects.filter(pk=upload.pk, processed_at__isnull=True).update(
        width=processed.width,
        height=processed.height,
        thumbnail_key=thumbnail_key,
        size=len(processed.clean),
        processed_at=timezone.now(),
    )
    return Upload.objects.get(pk=upload.pk)


def attachments_set(
    *, owner, upload_ids, post=None, comment=None, new: bool = False
) -> list[Upload]:
    """Attach these uploads, in this order, to a post or a comment being written by `owner`, in
    the caller's transaction: only the owner's own ready uploads, each attached nowhere else, at
    most UPLOAD_MAX_PER_POST (or _PER_COMMENT); the ones attached before and not named now are
    detached (the cleanup frees their storage). Writes attachment.added and .removed events.
    The attached uploads, in order. `new`: the post or comment is being created (it has none)."""
    target = "post" if post is not None else "comment"
    content = post if post is not None else comment
    limit = settings.UPLOAD_MAX_PER_POST if post is not None else settings.UPLOAD_MAX_PER_COMMENT
    ids = list(dict.fromkeys(upload_ids))
    if new and not ids:
        return []
    if len(ids) > limit:
        raise InvalidInput({"attachments": [f"At most {limit} attachments."]})
    locked = Upload.objects.select_for_update().order_by("pk")
    found = {upload.pk: upload for upload in locked.filter(pk__in=ids, owner=owner)}
    errors = []
    for upload_id in ids:
        upload = found.get(upload_id)
        if upload is None:
            errors.append(f"{upload_id} is not one of your uploads.")
        elif upload.status != UploadStatus.READY:
            errors.append(f"{upload_id} is not ready: complete it first.")
        elif (upload.post_id or upload.comment_id) and getattr(
            upload, f"{target}_id"
        ) != content.pk:
            errors.append(f"{upload_id} is attached elsewhere already.")
    if errors:
        raise InvalidInput({"attachments": errors})
    now = timezone.now()
    detached = [] if new else locked.filter(**{target: content}).exclude(pk__in=ids)
    for upload in detached:
        upload.post = upload.comment = None
        upload.save(update_fields=["post", "comment"])
        attachment_event(EventType.ATTACHMENT_REMOVED, upload, actor=owner, **{target: content})
    attached = []
    for position, upload_id in enumerate(ids):
        upload = found[upload_id]
        new = getattr(upload, f"{target}_id") != content.pk
        setattr(upload, target, content)
        upload.position = position
        upload.attached_at = upload.attached_at if not new else now
        upload.save(update_fields=[target, "position", "attached_at"])
        if new:
            attachment_event(EventType.ATTACHMENT_ADDED, upload, actor=owner, **{target: content})
        attached.append(upload)
    return attached


CLEANUP_BATCH = 500
CLEANUP_BACKOFF_MAX = timedelta(hours=1)


def upload_charges_prune(*, now=None) -> int:
    """Delete the quota charges older than the day they count in; how many went."""
    now = now or timezone.now()
    deleted, _ = UploadCharge.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return deleted


def images_unprocessed(*, older_than: timedelta = timedelta(minutes=10)) -> list:
    """Ready images still unprocessed a while after completion (their task was lost)."""
    return list(
        Upload.objects.filter(
            status=UploadStatus.READY,
            content_type__startswith="image/",
            processed_at__isnull=True,
            completed_at__lt=timezone.now() - older_than,
        ).values_list("pk", flat=True)[:CLEANUP_BATCH]
    )


def uploads_cleanup(*, now=None) -> dict[str, int]:
    """Delete, from storage and then from the database, the uploads nobody will use: pending
    ones past their link's expiry and UPLOAD_GRACE_SECONDS, rejected ones (their reason kept
    that long), ready ones not attached within UPLOAD_UNATTACHED_HOURS of completion, the
    attachments of posts and comments deleted UPLOAD_GRACE_SECONDS ago, and those of deleted
    users. Each row is claimed under its lock and checked again, so an attach meanwhile either
    waits and finds it gone, or keeps it. A row goes only once its objects are gone: when the
    store fails, it stays, and is tried again later, backing off (a minute, doubling, at most
    an hour). How many of each kind went."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.UPLOAD_GRACE_SECONDS)
    unattached = now - timedelta(hours=settings.UPLOAD_UNATTACHED_HOURS)
    kinds = {
        "expired": Q(status=UploadStatus.PENDING, expires_at__lt=grace),
        "rejected": Q(status=UploadStatus.REJECTED, completed_at__lt=grace),
        "unattached": Q(
            status=UploadStatus.READY, post__isnull=True, comment__isnull=True,
            completed_at__lt=unattached,
        ),
        "deleted_content": Q(post__deleted_at__lt=grace) | Q(comment__deleted_at__lt=grace)
        | Q(comment__post__deleted_at__lt=grace),
        "orphaned": Q(owner__isnull=True),
    }  # fmt: skip
    due = Q(cleanup_after__isnull=True) | Q(cleanup_after__lte=now)
    counts = dict.fromkeys(kinds, 0)
    counts["failed"] = 0
    for kind, condition in kinds.items():
        candidates = Upload.objects.filter(due, condition).order_by("created_at")
        for upload_id in candidates.values_list("pk", flat=True)[:CLEANUP_BATCH]:
            outcome = _cleanup_one(upload_id, due & condition, now=now)
            if outcome:
                counts[kind if outcome == "deleted" else "failed"] += 1
    return counts


def uploads_delete_owned(*, owner_id: int) -> dict[str, int]:
    """Delete every upload of a deleted account now, files first, through the cleanup's own
    path: each is first made an orphan (its owner unset), so that one the store fails to
    delete stays an orphan for `uploads_cleanup` to finish, backing off. Safe to run twice.
    How many went, and how many were left to the cleanup."""
    now = timezone.now()
    ids = list(Upload.objects.filter(owner_id=owner_id).values_list("pk", flat=True))
    Upload.objects.filter(pk__in=ids).update(owner=None)
    orphaned = Q(owner__isnull=True) & (Q(cleanup_after__isnull=True) | Q(cleanup_after__lte=now))
    counts = {"deleted": 0, "failed": 0}
    for upload_id in ids:
        outcome = _cleanup_one(upload_id, orphaned, now=now)
        if outcome:
            counts[outcome] += 1
    return counts


def _cleanup_one(upload_id, condition: Q, *, now) -> str:
    """Delete one upload's objects, then its row, holding its lock: 'deleted', 'failed' (the
    store failed: tried again later) or '' (it no longer qualifies, or another run has it)."""
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(condition, pk=upload_id)
            .first()
        )
        if upload is None:
            return ""
        kept = upload.key.removeprefix(TMP_PREFIX)  # a completion cut short moved it
        try:
            storage = upload_storage()
            for key in dict.fromkeys(filter(None, (upload.key, kept, upload.thumbnail_key))):
                storage.delete(key)
        except StorageError as error:
            logger.warning("uploads: %s not deleted (%s); trying again later", upload.pk, error)
            backoff = min(timedelta(minutes=2**upload.cleanup_attempts), CLEANUP_BACKOFF_MAX)
            upload.cleanup_attempts += 1
            upload.cleanup_after = now + backoff
            upload.save(update_fields=["cleanup_attempts", "cleanup_after"])
            return "failed"
        upload.delete()
        return "deleted"
