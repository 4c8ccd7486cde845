"""Uploads on both storage paths, end to end as a browser does them: start (a presigned POST),
send the file with `requests` to exactly the returned `url` and `fields`, complete (Divan checks
what arrived). S3 is moto's server mode over HTTP, which boto3 reaches by endpoint URL; the
local store is Divan's own endpoint on a live server. Every refusal leaves nothing behind."""

import io

import boto3
import pytest
import requests
from PIL import Image
from rest_framework.test import APIClient

from communities.models import Post, Upload
from communities.services.uploads import upload_process_image
from communities.storage import CHUNK_BYTES, upload_storage
from tests.events.processes import free_port
from tests.factories import UserFactory
from tests.fixtures import client_for, metrics_scrape

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
def test_an_upload_is_started_sent_completed_and_downloaded(store, settings):
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
    upload.refresh_from_db()
    assert upload.key == f"u{owner.pk}/" + upload.key.split("/")[-1]  # moved out of tmp/
    assert stored(f"tmp/{upload.key}") is None
    assert client.get(f"{UPLOADS}{started['id']}/").json()["status"] == "ready"
    url = upload_storage().download_url(
        upload.key,
        filename="cat.png",
        content_type="image/png",
        expires_in=300,
        site=settings.SITE_URL,
    )
    downloaded = requests.get(url, timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == PNG
    resent = send(started, b"<html>swapped</html>")  # the link still lives, for tmp/ only
    assert resent.status_code == (409 if store == "local" else 204)
    assert requests.get(url, timeout=10).content == PNG  # what was checked is what is kept


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
def test_a_browser_session_starts_an_upload(s3):
    """The hub's callers are signed in by Django's session (request.user is a lazy object)."""
    user = UserFactory()
    client = APIClient()
    client.force_login(user)
    response = start(client)
    assert response.status_code == 201, response.content
    assert list(Upload.objects.values_list("owner_id", "status")) == [(user.pk, "pending")]


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
    not_multipart = requests.post(
        url, data=b"a=" + b"x" * 10_000, timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert not_multipart.status_code == 400
    expired = start(client).json()
    stale = upload_storage().presigned_post(  # the same link, signed as expired a second ago
        key=Upload.objects.get(pk=expired["id"]).key, content_type="image/png",
        max_size=len(PNG), expires_in=-1, site=settings.SITE_URL,
    )  # fmt: skip
    assert send({"upload": {"url": stale.url, "fields": stale.fields}}, PNG).status_code == 403

    assert stored(key) is None
    assert stored(Upload.objects.get(pk=expired["id"]).key) is None
    upload = Upload.objects.get(pk=started["id"])
    download = upload_storage().download_url(
        upload.key,
        filename="a.png",
        content_type="image/png",
        expires_in=60,
        site=settings.SITE_URL,
    )
    as_upload = started["upload"] | {"url": url.split("?")[0] + "?" + download.split("?")[1]}
    assert send(started | {"upload": as_upload}, PNG).status_code == 403  # not an upload token


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


PDF = b"%PDF-1.4\n% a small document\n" + b"x" * 100


def ready(client, data: bytes = PDF, *, content_type="application/pdf", filename="doc.pdf"):
    """An upload started, sent and completed: its id."""
    started = start(client, filename=filename, content_type=content_type, size=len(data)).json()
    assert send(started, data).status_code == 204
    assert complete(client, started["id"]).json()["status"] == "ready"
    return started["id"]


def posts_url(group) -> str:
    return f"/api/communities/v1/groups/{group.pk}/posts/"


@pytest.mark.django_db(transaction=True)
def test_attachments_reach_readers_with_working_links_and_nobody_else(store):
    from tests.fixtures import build_world

    world = build_world("private")
    member = world.user("member")
    client = world.client("member")
    image = io.BytesIO()
    Image.new("RGB", (400, 300), "teal").save(image, format="PNG")
    document, picture = ready(client), ready(client, image.getvalue(), content_type="image/png")

    response = client.post(
        posts_url(world.group), {"body": "see", "attachments": [document, picture]}, format="json"
    )

    assert response.status_code == 201, response.content
    shown = response.json()["attachments"]
    assert [a["id"] for a in shown] == [document, picture]
    assert (shown[0]["filename"], shown[0]["size"], shown[0]["processing"]) == (
        "doc.pdf",
        len(PDF),
        False,
    )
    assert shown[1]["processing"] is True and shown[1]["url"] is None  # EXIF not stripped yet
    post_id = response.json()["id"]
    listed = world.client("moderator").get(posts_url(world.group)).json()["results"][0]
    assert listed["id"] == post_id
    downloaded = requests.get(listed["attachments"][0]["url"], timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert "attachment" in downloaded.headers["Content-Disposition"]
    upload_process_image(upload_id=picture)
    picture_shown = world.client("moderator").get(f"/api/communities/v1/posts/{post_id}/").json()
    thumbnail = requests.get(picture_shown["attachments"][1]["thumbnail_url"], timeout=10)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")
    for who in ("outsider", "banned", "anonymous"):  # no post, so no link
        assert (
            world.client(who).get(f"/api/communities/v1/posts/{post_id}/").status_code
            in {
                "outsider": {404},
                "banned": {404},
                "anonymous": {404},
            }[who]
        )
    assert Upload.objects.filter(post_id=post_id, owner=member).count() == 2


@pytest.mark.django_db(transaction=True)
def test_only_your_own_ready_unattached_uploads_attach_within_the_limits(store):
    from communities.models import Post
    from divan.events.models import OutboxEvent
    from tests.fixtures import build_world

    world = build_world("public")
    client = world.client("member")
    mine, theirs = ready(client), ready(world.client("admin"))
    pending = start(client).json()["id"]
    extra = [ready(client) for _ in range(10)]
    posted = client.post(
        posts_url(world.group), {"body": "a", "attachments": [mine]}, format="json"
    )
    assert posted.status_code == 201
    posts_before, events_before = Post.objects.count(), OutboxEvent.objects.count()

    refusals = {
        "another's": [theirs],
        "pending": [pending],
        "attached already": [mine],
        "an 11th": [*extra, ready(client)],
        "unknown": ["00000000-0000-4000-8000-000000000000"],
    }
    for case, ids in refusals.items():
        response = client.post(
            posts_url(world.group), {"body": "b", "attachments": ids}, format="json"
        )
        assert response.status_code == 400, case
        assert list(response.json()) == ["attachments"], case

    assert (Post.objects.count(), OutboxEvent.objects.count()) == (posts_before, events_before)
    assert Upload.objects.filter(post__isnull=False).count() == 1
    ten = client.post(posts_url(world.group), {"body": "c", "attachments": extra}, format="json")
    assert len(ten.json()["attachments"]) == 10


@pytest.mark.django_db(transaction=True)
def test_an_edit_replaces_attachments_and_writes_their_events(store):
    from divan.events.models import OutboxEvent
    from tests.fixtures import build_world

    world = build_world("public")
    client = world.client("member")
    first, second = ready(client), ready(client)
    post_id = client.post(
        posts_url(world.group), {"body": "a", "attachments": [first]}, format="json"
    ).json()["id"]

    edited = client.patch(
        f"/api/communities/v1/posts/{post_id}/", {"attachments": [second]}, format="json"
    )

    assert edited.status_code == 200
    assert [a["id"] for a in edited.json()["attachments"]] == [second]
    assert Upload.objects.get(pk=first).post_id is None
    events = list(
        OutboxEvent.objects.filter(type__startswith="attachment.")
        .order_by("id")
        .values_list("type", "payload__upload_id")
    )
    assert events == [("attachment.added", first), ("attachment.removed", first),
                      ("attachment.added", second)]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_comments_take_up_to_four_attachments(store):
    from tests.fixtures import build_world, make_post

    world = build_world("public")
    client = world.client("member")
    post = make_post(group=world.group, author=world.user("admin"))
    ids = [ready(client) for _ in range(5)]
    url = f"/api/communities/v1/posts/{post.pk}/comments/"

    assert client.post(url, {"body": "x", "attachments": ids}, format="json").status_code == 400
    created = client.post(url, {"body": "x", "attachments": ids[:4]}, format="json")

    assert created.status_code == 201
    assert [a["id"] for a in created.json()["attachments"]] == ids[:4]
    thread = world.client("outsider").get(url).json()["results"][0]
    assert [a["id"] for a in thread["attachments"]] == ids[:4]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page_size", [1, 5])
def test_a_page_of_posts_with_attachments_costs_the_same_queries(
    s3, page_size, django_assert_num_queries
):
    from tests.fixtures import build_world

    world = build_world("public")
    client = world.client("member")
    for n in range(5):
        client.post(
            posts_url(world.group),
            {"body": f"{n}", "attachments": [ready(client), ready(client)]},
            format="json",
        )

    # the group with the viewer's standing, the page (the token: from Redis, since the posts)
    with django_assert_num_queries(2):
        page = client.get(posts_url(world.group), {"page_size": page_size}).json()["results"]

    assert [len(post["attachments"]) for post in page] == [2] * page_size


@pytest.mark.django_db(transaction=True)
def test_the_cleanup_removes_exactly_what_nobody_will_use(store):
    from datetime import timedelta

    from django.utils import timezone

    from communities.services.posts import post_delete
    from communities.services.uploads import uploads_cleanup
    from tests.fixtures import build_world

    world = build_world("public")
    client = world.client("member")
    long_ago = timezone.now() - timedelta(days=2)

    def aged(upload_id, **fields):
        Upload.objects.filter(pk=upload_id).update(**fields)
        return upload_id

    expired_started = start(client).json()
    send(expired_started, PNG)  # sent, never completed
    expired = aged(expired_started["id"], expires_at=long_ago)
    fresh_pending = start(client).json()["id"]
    rejected = start(client, size=999).json()
    send(rejected, PNG)
    complete(client, rejected["id"])
    aged(rejected["id"], completed_at=long_ago)
    unattached = aged(ready(client), completed_at=long_ago)
    fresh_ready = ready(client)
    kept, on_deleted = ready(client), ready(client)
    client.post(posts_url(world.group), {"body": "k", "attachments": [kept]}, format="json")
    gone = client.post(
        posts_url(world.group), {"body": "g", "attachments": [on_deleted]}, format="json"
    )
    post_delete(actor=world.user("member"), post=Post.objects.get(pk=gone.json()["id"]))
    Post.objects.filter(pk=gone.json()["id"]).update(deleted_at=long_ago)
    aged(kept, completed_at=long_ago)
    keys = {str(pk): key for pk, key in Upload.objects.values_list("pk", "key")}

    counts = uploads_cleanup()

    assert counts == {
        "expired": 1,
        "rejected": 1,
        "unattached": 1,
        "deleted_content": 1,
        "orphaned": 0,
        "failed": 0,
    }
    remaining = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
    assert fresh_pending in remaining and fresh_ready in remaining and kept in remaining
    assert {expired, rejected["id"], unattached, on_deleted}.isdisjoint(remaining)
    assert [stored(keys[gone_id]) for gone_id in (expired, unattached, on_deleted)] == [None] * 3
    assert stored(keys[kept]) is not None
    assert uploads_cleanup() == dict.fromkeys(counts, 0)  # twice: nothing more


@pytest.mark.django_db
def test_a_storage_error_keeps_the_row_and_backs_off(settings):
    from datetime import timedelta

    from django.utils import timezone

    from communities.services.uploads import uploads_cleanup

    settings.AWS_STORAGE_BUCKET_NAME = "divan-test"
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # nothing answers there
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "testing"
    owner = UserFactory()
    upload = Upload.objects.create(
        owner=owner, key="tmp/x/y", filename="a.png", content_type="image/png", size=1,
        expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip

    assert uploads_cleanup()["failed"] == 1
    upload.refresh_from_db()
    assert upload.cleanup_attempts == 1
    assert upload.cleanup_after > timezone.now()
    assert uploads_cleanup()["failed"] == 0  # not due again yet
    assert Upload.objects.filter(pk=upload.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_completion_cut_short_after_moving_the_file_is_finished_by_the_next(store):
    client = client_for(UserFactory())
    started = start(client).json()
    send(started, PNG)
    upload = Upload.objects.get(pk=started["id"])
    upload_storage().move(upload.key, upload.key.removeprefix("tmp/"))  # then it was killed

    assert complete(client, started["id"]).json()["status"] == "ready"


@pytest.mark.django_db
def test_an_id_that_is_no_uuid_is_a_404(s3):
    client = client_for(UserFactory())
    for bad in ("a" * 36, "-" * 36, "0" * 32, "1"):
        assert client.post(f"{UPLOADS}{bad}/complete/").status_code == 404, bad
        assert client.get(f"{UPLOADS}{bad}/").status_code == 404, bad


@pytest.mark.django_db(transaction=True)
def test_an_animation_past_the_pixel_budget_is_refused(store, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    frames = [Image.new("L", (500, 500), shade) for shade in range(0, 250, 10)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    data = out.getvalue()
    client = client_for(UserFactory())
    started = start(client, filename="a.gif", content_type="image/gif", size=len(data)).json()
    send(started, data)
    complete(client, started["id"])

    upload = upload_process_image(upload_id=started["id"])

    assert (upload.status, upload.reason) == (
        "rejected",
        "The image has more than 1000000 pixels in all.",
    )


@pytest.mark.django_db(transaction=True)
def test_rejected_uploads_count_toward_the_days_bytes(s3, settings):
    settings.UPLOAD_QUOTA_BYTES_PER_DAY = 1000
    client = client_for(UserFactory())
    junk = start(client, size=900).json()
    send(junk, b"x" * 900)
    assert complete(client, junk["id"]).json()["status"] == "rejected"

    assert start(client, size=200).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_uploads_and_the_cleanups_counts_are_on_metrics(s3):
    from datetime import timedelta

    from django.utils import timezone
    from prometheus_client.parser import text_string_to_metric_families

    from communities.tasks import cleanup_uploads

    def figures() -> dict[str, float]:
        body = metrics_scrape().content.decode()
        return {
            sample.name + "".join(f"|{v}" for v in sample.labels.values()): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name.startswith("divan_uploads")
        }

    client = client_for(UserFactory())
    ready(client)
    stale = start(client).json()["id"]
    Upload.objects.filter(pk=stale).update(expires_at=timezone.now() - timedelta(days=1))
    before = figures()
    assert (before["divan_uploads|ready"], before["divan_uploads|pending"]) == (1, 1)
    assert before["divan_uploads_ready_bytes"] == len(PDF)

    cleanup_uploads.apply()

    after = figures()
    assert (after["divan_uploads|pending"], after["divan_uploads_deleted_total|expired"]) == (0, 1)
    assert after["divan_uploads_cleanup_failures_total"] == 0


def api_session(user) -> requests.Session:
    """Real HTTP to the live server, with the user's real token."""
    from divan.services.users import token_issue

    session = requests.Session()
    session.headers["Authorization"] = f"Token {token_issue(user=user).key}"
    return session


FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


@pytest.mark.django_db(transaction=True)
def test_without_site_url_local_links_follow_the_address_the_api_is_reached_at(
    local, live_server, settings
):
    from tests.fixtures import make_group

    settings.SITE_URL = ""  # the default: a server on any port signs links for itself
    owner = UserFactory()
    group = make_group(owner=owner)
    api, base = api_session(owner), live_server.url
    declared = {"filename": "doc.pdf", "content_type": "application/pdf", "size": len(PDF)}

    started = api.post(base + UPLOADS, json=declared, timeout=10)

    assert started.status_code == 201, started.content
    assert started.json()["upload"]["url"].startswith(f"{base}/api/communities/v1/uploads/local/?")
    assert send(started.json(), PDF).status_code == 204
    upload_id = started.json()["id"]
    completed = api.post(f"{base}{UPLOADS}{upload_id}/complete/", timeout=10)
    assert completed.json()["status"] == "ready"
    posted = api.post(
        base + posts_url(group), json={"body": "see", "attachments": [upload_id]}, timeout=10
    )
    assert posted.status_code == 201, posted.content
    link = posted.json()["attachments"][0]["url"]
    assert link.startswith(f"{base}/api/communities/v1/uploads/local/u{owner.pk}/")
    assert requests.get(link, timeout=10).content == PDF
    # a client's own X-Forwarded-* move nothing while no proxy is trusted (DJANGO_NUM_PROXIES=0)
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    forged_start = api.post(base + UPLOADS, json=declared, headers=FORGED, timeout=10)
    assert forged_start.json()["upload"]["url"].startswith(base + "/api/")
    read = api.get(f"{base}/api/communities/v1/posts/{posted.json()['id']}/", headers=FORGED)
    assert read.json()["attachments"][0]["url"].startswith(base + "/api/")
    assert Upload.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_links_follow_its_forwarded_host_and_site_url_wins(
    local, live_server, settings
):
    # what base.py sets when DJANGO_NUM_PROXIES > 0 (test_forwarded_headers_are_trusted_...)
    settings.USE_X_FORWARDED_HOST = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hub.example"]
    settings.SITE_URL = ""
    api, base = api_session(UserFactory()), live_server.url
    declared = {"filename": "doc.pdf", "content_type": "application/pdf", "size": len(PDF)}
    proxied = {"X-Forwarded-Host": "hub.example:3000", "X-Forwarded-Proto": "https"}

    through_proxy = api.post(base + UPLOADS, json=declared, headers=proxied, timeout=10)
    settings.SITE_URL = "http://127.0.0.1:3999"
    with_site_url = api.post(base + UPLOADS, json=declared, headers=proxied, timeout=10)

    assert through_proxy.json()["upload"]["url"].startswith("https://hub.example:3000/api/")
    assert with_site_url.json()["upload"]["url"].startswith("http://127.0.0.1:3999/api/")


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_forwarded_headers_are_trusted_only_behind_proxies(proxies):
    """What base.py makes of DJANGO_NUM_PROXIES, in dev and prod; SITE_URL unset is empty."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.USE_X_FORWARDED_HOST, s.SECURE_PROXY_SSL_HEADER, repr(s.SITE_URL))"
    )
    header = "None" if proxies == "0" else "('HTTP_X_FORWARDED_PROTO', 'https')"
    for module in ("config.settings.dev", "config.settings.prod"):
        env = {
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": module,
            "DJANGO_NUM_PROXIES": proxies,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "divan.example",
        }
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{proxies == '1'} {header} ''", module


BOUNDARY = "divan-test-boundary"


def form_part(name: str, data: bytes, *, filename=None, headers: bytes = b"") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode() + headers
    return head + b"\r\n" + data + b"\r\n"


NOT_ONE_FILE = "Send the form's fields, then one file as `file`."
AFTER_THE_FILE = {  # each was a 500 (Django's parser closing a file that was None), or a 204
    "a second file": (form_part("file", b"more", filename="g"), NOT_ONE_FILE),
    "a file2 file": (form_part("file2", b"more", filename="g"), NOT_ONE_FILE),
    "a file2 field": (
        form_part("file2", b"more"),
        "The form's fields must be those of the upload link.",
    ),
    "a file part that is not base64": (
        form_part("x", b"!!!!", filename="g", headers=b"Content-Transfer-Encoding: base64\r\n"),
        NOT_ONE_FILE,
    ),
    "a part whose headers pass the parser's limit": (
        form_part("x", b"more", headers=b"X-Padding: " + b"y" * 2000 + b"\r\n"),
        "The form could not be read as multipart/form-data.",
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", list(AFTER_THE_FILE))
def test_a_part_after_the_file_is_a_400_that_writes_nothing(local, settings, case):
    from pathlib import Path

    tail, detail = AFTER_THE_FILE[case]
    client = client_for(UserFactory())
    started = start(client).json()
    form = started["upload"]
    before = list(Upload.objects.values())
    body = b"".join(form_part(name, value.encode()) for name, value in form["fields"].items())
    body += form_part("file", PNG, filename="f", headers=b"Content-Type: image/png\r\n")
    body += tail + f"--{BOUNDARY}--\r\n".encode()

    response = requests.post(
        form["url"], data=body, timeout=10,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )  # fmt: skip

    assert response.status_code == 400, response.text[:300]
    assert response.json() == {"detail": detail}
    assert list(Upload.objects.values()) == before
    assert [p for p in Path(settings.UPLOADS_LOCAL_ROOT).rglob("*") if p.is_file()] == []
    assert send(started, PNG).status_code == 204  # the link still works, for the file alone
    assert complete(client, started["id"]).json()["status"] == "ready"


def jpeg_on_its_side() -> bytes:
    """40x20, red in its top-left corner, with a JFIF header and then EXIF Orientation=6: a
    viewer turns it 90 degrees clockwise, to 20x40 with the red in the top-right corner."""
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 16, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    exif[0x010F] = "SpyCam"  # Make: stripped with the rest
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def near(pixel, colour, tolerance=48) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.mark.django_db(transaction=True)
def test_a_jpeg_is_turned_by_its_exif_orientation_before_it_is_stripped(store):
    data = jpeg_on_its_side()
    assert data[6:10] == b"JFIF" and Image.open(io.BytesIO(data)).getexif()[0x0112] == 6
    client = client_for(UserFactory())
    started = start(client, filename="side.jpg", content_type="image/jpeg", size=len(data)).json()
    send(started, data)
    complete(client, started["id"])

    upload = upload_process_image(upload_id=started["id"])

    assert (upload.width, upload.height) == (20, 40)
    shown = client.get(f"{UPLOADS}{started['id']}/").json()
    assert (shown["width"], shown["height"]) == (20, 40)
    storage = upload_storage()
    for key in (upload.key, upload.thumbnail_key):
        image = Image.open(io.BytesIO(storage.read(key, 10**7)))
        assert image.size == (20, 40), key
        assert dict(image.getexif()) == {}, key  # no Orientation left to turn it again
        rgb = image.convert("RGB")
        assert near(rgb.getpixel((16, 3)), (255, 0, 0)), key  # the red corner, now top-right
        assert near(rgb.getpixel((3, 3)), (255, 255, 255)), key
        assert near(rgb.getpixel((16, 36)), (255, 255, 255)), key


TEXT_REFUSED = {
    "a tag in the first line": b"hello <img src=x onerror=alert(1)>\n",
    "a tag after the first 4 KiB": b"plain words\n" * 400 + b"<script>alert(1)</script>\n",
    "a tag split across two chunks": b"a" * (CHUNK_BYTES - 1) + b"<svg onload=alert(1)>",
    "an end tag": b"x" * 5000 + b"</p>",
    "a comment": b"x" * 5000 + b"<!-- -->",
    "a processing instruction": b"x" * 5000 + b"<?xml ?>",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", list(TEXT_REFUSED))
def test_text_with_a_tag_anywhere_is_refused(store, case):
    data = TEXT_REFUSED[case]
    at = data.index(b"<")
    client = client_for(UserFactory())
    started = start(client, filename="a.txt", content_type="text/plain", size=len(data)).json()
    assert send(started, data).status_code == 204
    key = Upload.objects.get(pk=started["id"]).key

    response = complete(client, started["id"])

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "rejected",
        f"The text has an HTML tag at byte {at}: plain text may hold none.",
    )
    assert stored(key) is None and stored(key.removeprefix("tmp/")) is None


@pytest.mark.django_db(transaction=True)
def test_text_with_less_than_signs_that_are_no_tags_is_accepted(store):
    data = ("if a < b and c <= d: print('1 < 2 <3 é')\n" * 200).encode()  # past 4 KiB
    assert len(data) > 8192
    client = client_for(UserFactory())

    assert ready(client, data, content_type="text/plain", filename="a.txt")


def test_the_text_check_reads_every_chunk_and_across_their_boundaries():
    from communities.filetypes import text_refusal

    tag = "The text has an HTML tag at byte {}: plain text may hold none."
    assert text_refusal([b"hello <", b"img src=x>"]) == tag.format(6)
    assert text_refusal([b"a <", b"", b"/b>"]) == tag.format(2)  # an empty chunk between
    assert text_refusal([b"a <", b" b", b" <", b"3"]) == ""
    assert text_refusal([b"caf\xc3", b"\xa9 <", b"\xc3\xa9"]) == ""  # a character split in two
    assert text_refusal([b"ok", b"\xff"]) == "The text is not UTF-8."
    assert text_refusal([b"ok", b"\xc3"]) == "The text is not UTF-8."  # cut at its very end
    assert text_refusal([b"ok", b"a\x00"]) == "The text has NUL bytes: it is not plain text."


def png_padded(padding: int) -> bytes:
    """A 1x1 PNG carrying `padding` bytes in a private ancillary chunk, which decoders skip and
    processing drops: the cleaned file is a few dozen bytes."""
    import struct
    import zlib

    out = io.BytesIO()
    Image.new("RGB", (1, 1), "navy").save(out, format="PNG")
    data = out.getvalue()
    body = b"prVt" + b"\x00" * padding
    chunk = struct.pack(">I", padding) + body + struct.pack(">I", zlib.crc32(body))
    end = data.rindex(b"IEND") - 4
    return data[:end] + chunk + data[end:]


@pytest.mark.django_db(transaction=True)
def test_a_processed_image_still_counts_the_bytes_it_arrived_with(s3, settings):
    data = png_padded(100_000)
    settings.UPLOAD_QUOTA_BYTES_PER_DAY = len(data) + 99
    client = client_for(UserFactory())
    started = start(client, filename="p.png", content_type="image/png", size=len(data)).json()
    send(started, data)
    complete(client, started["id"])
    processed = upload_process_image(upload_id=started["id"])
    assert processed.processed_at is not None and processed.size < 200  # cleaned, rewritten

    refused = start(client, size=100)

    assert refused.status_code == 429, refused.content
    assert int(refused["Retry-After"]) > 86000
    assert Upload.objects.count() == 1
    assert start(client, size=99).status_code == 201  # what is left of the day


@pytest.mark.django_db(transaction=True)
def test_the_cleanup_deleting_rejected_and_expired_uploads_gives_no_quota_back(s3, settings):
    from datetime import timedelta

    from django.utils import timezone

    from communities.services.uploads import uploads_cleanup

    settings.UPLOAD_QUOTA_BYTES_PER_DAY = 1000
    client = client_for(UserFactory())
    junk = start(client, size=600).json()
    send(junk, b"x" * 600)
    assert complete(client, junk["id"]).json()["status"] == "rejected"
    never_sent = start(client, size=300).json()["id"]
    two_hours_ago = timezone.now() - timedelta(hours=2)  # past the grace, within the day
    Upload.objects.filter(pk=junk["id"]).update(completed_at=two_hours_ago)
    Upload.objects.filter(pk=never_sent).update(expires_at=two_hours_ago)

    counts = uploads_cleanup()
    assert (counts["rejected"], counts["expired"], Upload.objects.count()) == (1, 1, 0)

    refused = start(client, size=200)

    assert refused.status_code == 429, refused.content
    assert int(refused["Retry-After"]) > 86000
    assert Upload.objects.count() == 0
    assert start(client, size=100).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_quota_charges_are_written_with_each_start_and_pruned_after_a_day(s3, settings):
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import UploadCharge
    from communities.tasks import cleanup_uploads

    settings.UPLOAD_QUOTA_BYTES_PER_DAY = 1000
    owner = UserFactory()
    client = client_for(owner)
    first = start(client, size=700).json()["id"]
    assert start(client, size=400).status_code == 429  # a refusal charges nothing
    assert list(UploadCharge.objects.values_list("owner_id", "size")) == [(owner.pk, 700)]
    Upload.objects.filter(pk=first).update(created_at=timezone.now() - timedelta(days=2))
    UploadCharge.objects.update(created_at=timezone.now() - timedelta(days=1, seconds=1))

    cleanup_uploads.apply()

    assert UploadCharge.objects.count() == 0
    assert start(client, size=1000).status_code == 201
    assert list(UploadCharge.objects.values_list("owner_id", "size")) == [(owner.pk, 1000)]
