"""Uploads: files a member sends straight to storage (a presigned POST), which Divan checks
before they can be attached to a post or a comment (communities/services/uploads.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models.comments import Comment
from communities.models.posts import Post


class UploadStatus(models.TextChoices):
    PENDING = "pending"  # the client has a presigned POST; nothing checked yet
    READY = "ready"  # the object is there and is what was declared
    REJECTED = "rejected"  # a check failed; the object is deleted, `reason` says why


class Upload(models.Model):
    """One file: declared by its uploader (`filename`, `content_type`, `size`), stored under
    `key` (a per-user prefix and a random name, never the client's filename), checked on
    completion, and attached at most once, to a post or a comment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # a deleted user's uploads stay until the cleanup has deleted their files
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    key = models.CharField(max_length=255, unique=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()  # the presigned POST's expiry
    completed_at = models.DateTimeField(null=True, blank=True)
    # images: filled by the processing task (until then the attachment is "processing")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_key = models.CharField(max_length=255, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # attached to at most one post or comment
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    attached_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # the cleanup's retries when the store fails: not before `cleanup_after`, backing off
    cleanup_attempts = models.PositiveSmallIntegerField(default=0)
    cleanup_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=True) | Q(comment__isnull=True),
                name="upload_attached_once",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=True, comment__isnull=True) | Q(status="ready"),
                name="upload_attached_ready",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="upload_owner_recent"),
            models.Index(fields=["status", "created_at"], name="upload_status_age"),
            # /metrics counts uploads and sums their bytes by status from this index alone
            models.Index(fields=["status"], include=["size"], name="upload_status_size"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status}) of user {self.owner_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def processing(self) -> bool:
        """A ready image not yet measured, thumbnailed and stripped of its metadata."""
        return self.is_image and self.status == UploadStatus.READY and self.processed_at is None


class UploadCharge(models.Model):
    """Bytes charged to a user's daily quota (UPLOAD_QUOTA_BYTES_PER_DAY) as an upload starts:
    its declared size, the most its link takes. Kept apart from the upload, whose `size` image
    processing rewrites and whose row the cleanup deletes, so that neither gives quota back.
    Pruned once older than the day it counts in."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_charges"
    )
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at"], name="upload_charge_owner_recent")]

    def __str__(self) -> str:
        return f"{self.size} bytes of user {self.owner_id} at {self.created_at:%Y-%m-%d %H:%M}"
