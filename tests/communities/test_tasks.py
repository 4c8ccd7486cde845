"""The communities app's Celery tasks as an operator sees them: the worker switch holds for each,
and an image task whose store keeps failing gives up after bounded retries, leaving the upload for
the cleanup to queue again."""

import io
from datetime import timedelta

import pytest
from celery import signals
from django.utils import timezone
from PIL import Image

from communities.models import Ban, Upload, UploadStatus
from communities.services.uploads import images_unprocessed
from communities.storage import StorageError
from communities.tasks import cleanup_uploads, process_upload_image, purge_expired_bans
from config.celery import app
from divan.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.fixtures import make_group

pytestmark = pytest.mark.django_db


def bans_state() -> tuple[list, list]:
    """Every ban as it is, and the outbox's event types."""
    bans = list(Ban.objects.order_by("pk").values())
    return bans, list(OutboxEvent.objects.order_by("pk").values_list("type", flat=True))


def test_purge_expired_bans_does_nothing_while_the_workers_are_switched_off(settings):
    owner = UserFactory()
    group = make_group(owner=owner)
    expired_user, active_user = UserFactory(), UserFactory()
    now = timezone.now()
    Ban.objects.create(group=group, user=expired_user, expires_at=now - timedelta(minutes=1))
    Ban.objects.create(group=group, user=active_user, expires_at=now + timedelta(days=1))
    before = bans_state()
    settings.COMMUNITIES_WORKERS_ENABLED = False

    assert purge_expired_bans.apply().get() == 0
    assert bans_state() == before

    settings.COMMUNITIES_WORKERS_ENABLED = True
    assert purge_expired_bans.apply().get() == 1
    assert list(Ban.objects.values_list("user_id", flat=True)) == [active_user.pk]
    assert bans_state()[1] == [*before[1], "ban.expired"]


def png(width: int, height: int) -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(image, format="PNG")
    return image.getvalue()


def test_an_image_task_gives_up_after_bounded_retries_and_the_cleanup_queues_it_again(
    settings, tmp_path, monkeypatch
):
    settings.AWS_STORAGE_BUCKET_NAME = ""  # the local store, on a disk that fails
    settings.UPLOADS_LOCAL_ROOT = str(tmp_path)
    data = png(64, 48)
    now = timezone.now()
    upload = Upload.objects.create(
        owner=UserFactory(), status=UploadStatus.READY, key="u/1/a.png", filename="a.png",
        content_type="image/png", size=len(data), expires_at=now,
        completed_at=now - timedelta(minutes=11),
    )  # fmt: skip
    stored = tmp_path / "u" / "1" / "a.png"
    stored.mkdir(parents=True)  # reading it fails as a broken disk does (IsADirectoryError)
    countdowns = []

    def retried(reason, **kwargs):
        countdowns.append(reason.when)

    signals.task_retry.connect(retried, sender=process_upload_image, weak=False)
    try:
        result = process_upload_image.apply(args=[str(upload.pk)])  # retries run at once
    finally:
        signals.task_retry.disconnect(retried, sender=process_upload_image)

    assert result.state == "FAILURE" and isinstance(result.result, StorageError)
    bounds = [5, 10, 20, 40, 80, 160]  # seconds: 5 doubling, full jitter
    assert len(countdowns) == len(bounds)
    assert all(0 <= when <= bound for when, bound in zip(countdowns, bounds, strict=True))
    upload.refresh_from_db()
    assert (upload.status, upload.processing) == (UploadStatus.READY, True)
    assert images_unprocessed() == [upload.pk]

    stored.rmdir()  # the disk is back
    stored.write_bytes(data)
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # what it queues runs here
    cleanup_uploads.apply()

    upload.refresh_from_db()
    assert (upload.width, upload.height, upload.processing) == (64, 48, False)
    assert images_unprocessed() == []
