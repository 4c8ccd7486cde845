"""Uploads on both storage paths, end to end as a browser does them: start (a presigned POST),
send the file with `requests` to exactly the returned `url` and `fields`, complete (Divan checks
what arrived). S3 is moto's server mode over HTTP, which boto3 reaches by endpoint URL; the
local store is Divan's own endpoint on a live server. Every refusal leaves nothing behind."""

import io
import time

import boto3
import pytest
import requests
from PIL import Image

from communities.models import Upload
from communities.services.uploads import upload_process_image
from communities.storage import upload_storage
from tests.events.processes import free_port
from tests.factories import UserFactory
from tests.fixtures import client_for

UPLOADS = "/api/communities/v1/uploads/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def s3(settings):
    """An S3 endpoint over HTTP (moto's server), a bucket in it, and Divan pointed at it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings.AWS_STORAGE_BUCKET_NAME = "divan-test"
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "testing"
    boto3.client(
        "s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket="divan-test")  # fmt: skip
    yield
    server.stop()


@pytest.fixture
def local(settings, live_server, tmp_path):
    """Files on this machine, behind Divan's own upload and download endpoints."""
    settings.AWS_STORAGE_BUCKET_NAME = ""
    settings.UPLOADS_LOCAL_ROOT = str(tmp_path / "uploads")
    settings.SITE_URL = live_server.url


@pytest.fixture(params=["s3", "local"])
def store(request):
    request.getfixturevalue(request.param)
    return request.param


def start(client, *, filename="a.png", content_type="image/png", size=None):
    size = len(PNG) if size is None else size
    return client.post(
        UPLOADS, {"filename": filename, "content_type": content_type, "size": size}, format="json"
    )


def send(started: dict, data: bytes, *, content_type=None) -> requests.Response:
    """POST the form as a browser would: the given fields, then the file."""
    form = started["upload"]
    file_type = content_type or form["fields"]["Content-Type"]
    return requests.post(
        form["url"], data=form["fields"], files={"file": ("f", data, file_type)}, timeout=10
    )


def complete(client, upload_id):
    return client.post(f"{UPLOADS}{upload_id}/complete/")


def stored(key: str) -> int | None:
    return upload_storage().size(key)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_started_sent_completed_and_downloaded(store):
    owner = UserFactory()
    client = client_for(owner)

    response = start(client, filename="C:\\photos\\cat.png")
    assert response.status_code == 201, response.content
    started = response.json()
    upload = Upload.objects.get(pk=started["id"])
    assert (started["status"], started["filename"]) == ("pending", "cat.png")
    assert upload.owner_id == owner.pk
    assert upload.key.startswith(f"tmp/u{owner.pk}/") and "cat" not in upload.key
    assert started["upload"]["fields"]["Content-Type"] == "image/png"
    assert send(started, PNG).status_code == 204

    response = complete(client, started["id"])
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("ready", "")
    assert complete(client, started["id"]).json()["status"] == "ready"  # twice is harmless
    assert client.get(f"{UPLOADS}{started['id']}/").json()["status"] == "ready"
    url = upload_storage().download_url(
        upload.key, filename="cat.png", content_type="image/png", expires_in=300
    )
    downloaded = requests.get(url, timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == PNG


REFUSED = {
    "bigger": (len(PNG), PNG + b"\x00" * 10, "image/png"),
    "smaller": (len(PNG) + 100, PNG, "image/png"),
    "spoofed": (60, b"<html><script>alert(1)</script></html>".ljust(60, b" "), "image/png"),
    "svg": (60, b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'.ljust(60), "image/png"),
    "html as text": (40, b"<!DOCTYPE html><p>hi</p>".ljust(40), "text/plain"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", list(REFUSED))
def test_what_arrived_is_checked_not_trusted(store, case):
    declared, data, content_type = REFUSED[case]
    client = client_for(UserFactory())
    started = start(client, content_type=content_type, size=declared).json()
    upload = Upload.objects.get(pk=started["id"])
    sent = send(started, data)
    if sent.status_code != 204:  # a store that enforces the policy refused it already
        assert (case, store) in {("bigger", "local"), ("bigger", "s3")}
        assert stored(upload.key) is None
        return

    response = complete(client, started["id"])

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["reason"]
    assert stored(upload.key) is None  # deleted


@pytest.mark.django_db(transaction=True)
def test_completing_before_uploading_or_someone_elses_upload_changes_nothing(store):
    owner, other = UserFactory(), UserFactory()
    started = start(client_for(owner)).json()

    early = complete(client_for(owner), started["id"])
    theirs = complete(client_for(other), started["id"])
    seen = client_for(other).get(f"{UPLOADS}{started['id']}/")

    assert early.status_code == 409
    assert (theirs.status_code, seen.status_code) == (404, 404)
    assert Upload.objects.get(pk=started["id"]).status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("declared", "field"),
    [
        ({"size": 25 * 1024 * 1024 + 1}, "size"),
        ({"content_type": "image/svg+xml"}, "content_type"),
        ({"content_type": "text/html"}, "content_type"),
        ({"filename": ""}, "filename"),
    ],
)
def test_a_declaration_past_the_limits_is_a_400_and_writes_nothing(s3, declared, field):
    response = start(client_for(UserFactory()), **declared)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Upload.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_callers_may_not_upload(s3):
    assert start(client_for()).status_code == 401
    assert Upload.objects.count() == 0


@pytest.mark.django_db
def test_over_the_quota_is_a_429_with_retry_after(s3, settings):
    settings.UPLOAD_QUOTA_PENDING = 2
    client = client_for(UserFactory())
    assert [start(client).status_code for _ in range(2)] == [201, 201]

    refused = start(client)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.UPLOAD_URL_EXPIRY_SECONDS
    assert Upload.objects.count() == 2


@pytest.mark.django_db
def test_the_bytes_quota_counts_a_day_of_uploads(s3, settings):
    settings.UPLOAD_QUOTA_BYTES_PER_DAY = 1000
    client = client_for(UserFactory())
    assert start(client, size=900).status_code == 201

    refused = start(client, size=200)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 86000
    assert Upload.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_local_endpoint_refuses_expired_forged_and_oversized_uploads(local, settings):
    client = client_for(UserFactory())
    started = start(client).json()
    key = Upload.objects.get(pk=started["id"]).key
    url = started["upload"]["url"]

    forged = started | {"upload": started["upload"] | {"url": url[:-4] + "abcd"}}
    assert send(forged, PNG).status_code == 403
    too_big = requests.post(
        url, data=started["upload"]["fields"], files={"file": ("f", PNG * 400)}, timeout=10
    )
    assert too_big.status_code == 413
    other_key = started["upload"] | {"fields": started["upload"]["fields"] | {"key": "tmp/x"}}
    assert send(started | {"upload": other_key}, PNG).status_code == 400
    settings.UPLOAD_URL_EXPIRY_SECONDS = 1
    expired = start(client).json()
    time.sleep(2.1)  # the token's own clock: it names its expiry in whole seconds
    assert send(expired, PNG).status_code == 403

    assert stored(key) is None
    assert stored(Upload.objects.get(pk=expired["id"]).key) is None


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (640, 480), "orange")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 1: "N"}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_image_is_measured_thumbnailed_and_stripped_of_its_exif(store):
    data = jpeg_with_location()
    assert Image.open(io.BytesIO(data)).getexif()  # it has EXIF to strip
    client = client_for(UserFactory())
    started = start(client, filename="me.jpg", content_type="image/jpeg", size=len(data)).json()
    assert started["processing"] is False  # nothing to process before it is ready
    send(started, data)
    assert complete(client, started["id"]).json()["processing"] is True

    upload = upload_process_image(upload_id=started["id"])

    assert (upload.width, upload.height, upload.processing) == (640, 480, False)
    storage = upload_storage()
    clean = Image.open(io.BytesIO(storage.read(upload.key, 10**7)))
    assert dict(clean.getexif()) == {}
    thumbnail = Image.open(io.BytesIO(storage.read(upload.thumbnail_key, 10**7)))
    assert max(thumbnail.size) == 320
    assert upload_process_image(upload_id=started["id"]).processed_at == upload.processed_at


@pytest.mark.django_db(transaction=True)
def test_an_image_bomb_is_rejected_and_deleted(store, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG")  # 25 megapixels, a few KB
    data = out.getvalue()
    client = client_for(UserFactory())
    started = start(client, filename="b.png", content_type="image/png", size=len(data)).json()
    send(started, data)
    complete(client, started["id"])

    upload = upload_process_image(upload_id=started["id"])

    assert upload.status == "rejected"
    assert "pixels" in upload.reason
    assert stored(upload.key) is None
