"""Attachments as their viewers see them: name, type, size, an image's width and height, and
links to the file and its thumbnail, presigned GETs valid DOWNLOAD_URL_EXPIRY_SECONDS (made in
this process, no round trip to the store). Only a post or comment its viewer may read is ever
shown, so only they get the links. The links are made for the request being answered (the
serializer's context), on the address its client reached."""

from django.conf import settings
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from communities.storage import site_url, upload_storage

SCHEMA = inline_serializer(
    "Attachment",
    {
        "id": serializers.UUIDField(),
        "filename": serializers.CharField(),
        "content_type": serializers.CharField(),
        "size": serializers.IntegerField(),
        "width": serializers.IntegerField(allow_null=True),
        "height": serializers.IntegerField(allow_null=True),
        "processing": serializers.BooleanField(),
        "url": serializers.URLField(allow_null=True),
        "thumbnail_url": serializers.URLField(allow_null=True),
    },
    many=True,
)


def attachments_shown(rows, *, request) -> list[dict]:
    """The attachments of a post or comment, from its `attachment_rows`, with links for the
    client of `request` (a serializer's context["request"]; without one, on SITE_URL)."""
    if not rows:
        return []
    site = site_url(request)
    storage = upload_storage()
    expiry = settings.DOWNLOAD_URL_EXPIRY_SECONDS
    shown = []
    for row in rows:
        image = row["content_type"].startswith("image/")
        processing = image and not row["processed_at"]
        shown.append(
            {
                "id": str(row["id"]),
                "filename": row["filename"],
                "content_type": row["content_type"],
                "size": row["size"],
                "width": row["width"],
                "height": row["height"],
                "processing": processing,
                # none while an image is processed: its file still holds its EXIF
                "url": None if processing else storage.download_url(
                    row["key"], filename=row["filename"], content_type=row["content_type"],
                    expires_in=expiry, site=site,
                ),
                "thumbnail_url": storage.download_url(
                    row["thumbnail_key"], filename=f"thumbnail-{row['filename']}.jpg",
                    content_type="image/jpeg", expires_in=expiry, site=site,
                ) if row["thumbnail_key"] else None,
            }
        )  # fmt: skip
    return shown
