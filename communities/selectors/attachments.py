"""Attachments of posts and comments, loaded with them: one array of small JSON objects per row
of the page's own query (no query more, whatever the page size). Links to the files are made
when a row is shown (communities/api/attachments.py), to viewers who may see it."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, QuerySet
from django.db.models.functions import JSONObject

from communities.models import Upload, UploadStatus

# What a shown attachment needs, as the rows carry it.
FIELDS = {
    "id": F("id"),
    "filename": F("filename"),
    "content_type": F("content_type"),
    "size": F("size"),
    "width": F("width"),
    "height": F("height"),
    "key": F("key"),
    "thumbnail_key": F("thumbnail_key"),
    "processed_at": F("processed_at"),
}


def attachments_of(*, target: str):
    """The ready uploads attached to each post or comment (`target`), in their order."""
    uploads = Upload.objects.filter(**{target: OuterRef("pk")}, status=UploadStatus.READY).order_by(
        "position", "id"
    )
    return ArraySubquery(uploads.values(row=JSONObject(**FIELDS)))


def with_attachments(contents: QuerySet, *, target: str) -> QuerySet:
    return contents.annotate(attachment_rows=attachments_of(target=target))


def attachment_row(upload: Upload) -> dict:
    """The same object for an upload at hand (a write's answer, built without reading back)."""
    return {
        "id": str(upload.pk),
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "width": upload.width,
        "height": upload.height,
        "key": upload.key,
        "thumbnail_key": upload.thumbnail_key,
        "processed_at": upload.processed_at.isoformat() if upload.processed_at else None,
    }
