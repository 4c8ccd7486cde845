"""Exports end to end: asked for over HTTP, built by the `accounts.export_build` task (in this
process, and on a real Celery worker killed halfway through), stored in the uploads' storage
(the local store and S3 over HTTP), mailed through a real SMTP server, and downloaded by its
owner alone, through a link that expires; the archive holds exactly the person's own data."""

import io
import json
import os
import stat
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.archive import archive_write
from accounts.models import DataExport, ExportStatus
from accounts.services.exports import export_build, exports_due, exports_expire
from accounts.tasks import export_build as export_build_task
from accounts.tasks import sweep
from communities.models import Post
from communities.services.posts import post_create
from communities.storage import LocalStorage, upload_storage
from divan.models import OutboundMail
from tests.accounts.conftest import NOTES, PDF, build_town, stored_upload, verified
from tests.api.helpers import when
from tests.events.processes import Worker, wait_until
from tests.factories import UserFactory
from tests.fixtures import client_for
from tests.mail import body_of

EXPORT = "/api/auth/export/"
ARCHIVE_NAMES = [
    "README.txt", "profile.json", "email_addresses.json", "groups.json", "posts.json",
    "comments.json", "reactions.json",
]  # fmt: skip
THEIRS = [  # what others wrote, which zoe can read but which is not hers to take
    "Club only", "Bob's plan", "Bob answers Zoe", "Alice asks about lamps",
    "Bob loves that lamp", "second thoughts",
]  # fmt: skip


def link_in(message) -> str:
    [line] = [line for line in body_of(message).splitlines() if "/api/auth/export/" in line]
    return line.strip()


def download(client, link: str) -> bytes:
    """Follow an export's link as its owner's browser does: the redirect, then the file."""
    response = client.get(urlsplit(link).path)
    assert response.status_code == 302, response.content
    assert response["Cache-Control"] == "no-store"
    target = response["Location"]
    if target.startswith("http://testserver/"):  # the local store: Divan's own endpoint
        file = APIClient().get(urlsplit(target).path + "?" + urlsplit(target).query)
        assert file.status_code == 200, file.content
        assert file["Content-Type"] == "application/zip"
        assert file["Content-Disposition"].startswith('attachment; filename="divan-zoe-')
        return b"".join(file.streaming_content)
    file = requests.get(target, timeout=10)  # S3: the store's presigned GET
    assert file.status_code == 200, file.content[:200]
    return file.content


def read_archive(data: bytes) -> tuple[list[str], dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        return names, {name: archive.read(name) for name in names}


def expected_archive(town) -> dict:
    """The archive's JSON sections, exactly, from the rows as they are."""
    zoe, posts, comments, uploads = town.zoe, town.posts, town.comments, town.uploads
    zoe.refresh_from_db()

    def iso(value):
        return value.isoformat() if value else None

    def upload_row(upload, name, **attached):
        return {
            "id": str(upload.pk), "filename": name, "content_type": upload.content_type,
            "size": upload.size, "width": None, "height": None,
            "created_at": upload.created_at.isoformat(), "post_id": None, "comment_id": None,
            **attached, "file": f"uploads/{upload.pk}/{name}",
        }  # fmt: skip

    def post_row(post, **fields):
        return {
            "id": post.pk, "group_id": post.group_id, "title": post.title, "body": post.body,
            "tags": [], "attachments": [], "created_at": post.created_at.isoformat(),
            "edited_at": None, "hidden": False, "pinned": False, "locked": False,
            "comments_count": post.comments_count, "reactions_count": post.reactions_count,
            **fields,
        }  # fmt: skip

    def comment_row(comment, *, hidden=False):
        return {
            "id": comment.pk, "post_id": comment.post_id, "parent_id": None,
            "body": comment.body, "attachments": [],
            "created_at": comment.created_at.isoformat(), "edited_at": None, "hidden": hidden,
            "reactions_count": comment.reactions_count,
        }  # fmt: skip

    def group_row(group, role):
        membership = group.memberships.get(user=zoe)
        return {
            "id": group.pk, "name": group.name, "slug": group.slug,
            "visibility": group.visibility, "archived": False, "role": role,
            "joined_at": membership.created_at.isoformat(),
        }  # fmt: skip

    return {
        "profile.json": {
            "id": zoe.pk,
            "username": "zoe",
            "email": "zoe@example.com",
            "date_joined": zoe.date_joined.isoformat(),
            "last_login": iso(zoe.last_login),
            "reputation": 1,
        },
        "email_addresses.json": [{"email": "zoe@example.com", "verified": True, "primary": True}],
        "groups.json": [
            group_row(town.lounge, "member"),
            group_row(town.club, "member"),
            group_row(town.den, "owner"),
        ],
        "posts.json": [
            post_row(posts["zoe"], tags=["books", "night"], attachments=[str(uploads["pdf"].pk)]),
            post_row(posts["den"]),
        ],
        "comments.json": [
            comment_row(comments["zoe"]),
            comment_row(comments["club"]),
            comment_row(comments["hidden"], hidden=True),
        ],
        "reactions.json": [
            {"kind": "love", "post_id": posts["alice"].pk, "comment_id": None},
            {"kind": "like", "post_id": None, "comment_id": comments["bob"].pk},
            {"kind": "wow", "post_id": posts["zoe"].pk, "comment_id": None},
        ],
        "uploads.json": [
            upload_row(uploads["pdf"], "winter.pdf", post_id=posts["zoe"].pk),
            upload_row(uploads["notes"], "notes.txt"),
        ],
    }


def assert_is_zoes_archive(town, data: bytes) -> None:
    names, entries = read_archive(data)
    pdf, notes = town.uploads["pdf"], town.uploads["notes"]
    pdf_name, notes_name = f"uploads/{pdf.pk}/winter.pdf", f"uploads/{notes.pk}/notes.txt"
    assert names == [*ARCHIVE_NAMES, pdf_name, notes_name, "uploads.json"]
    assert entries[pdf_name] == PDF
    assert entries[notes_name] == NOTES
    sections = {name: json.loads(entries[name]) for name in names if name.endswith(".json")}
    for reaction in sections["reactions.json"]:
        assert reaction.pop("created_at")
    assert sections == expected_archive(town)
    readme = entries["README.txt"].decode()
    assert readme.startswith("Your data on Divan, for zoe, as it was on ")
    assert "uploads/<id>/<name>   the files themselves" in readme
    text = b"".join(entries[name] for name in names if not name.startswith("uploads/")).decode()
    for words in THEIRS:
        assert words not in text


def expected_mail_body(export: DataExport) -> str:
    expires = date_filter(export.expires_at, "Y-m-d H:i")
    return (
        "Hello zoe,\n\n"
        f"The archive of your Divan data that you asked for is ready "
        f"({filesizeformat(export.size)}).\n\n"
        f"Download it while signed in to Divan as zoe, until {expires} UTC:\n\n"
        f"http://testserver/api/auth/export/{export.pk}/download/\n\n"
        "The link works for you alone, and the archive is deleted after that date; you can ask "
        "for a new one at any time. If you did not ask for this export, change your password."
    )


@pytest.mark.django_db(transaction=True)
def test_an_export_is_built_once_mailed_once_and_holds_exactly_her_own_data(store, mailbox):
    town = build_town()
    client = client_for(town.zoe)

    asked = client.post(EXPORT)

    assert asked.status_code == 202, asked.content
    export = DataExport.objects.get()
    assert asked.json() == {
        "id": str(export.pk), "status": "pending",
        "requested_at": when(export.requested_at), "ready_at": None, "expires_at": None,
        "size": None, "download_url": None,
    }  # fmt: skip
    again = client.post(EXPORT)  # while it is pending: refused by the index, nothing written
    assert again.status_code == 409
    assert again.json() == {
        "detail": "An export of your data is being prepared already; you will get a mail."
    }
    assert DataExport.objects.count() == 1

    assert export_build_task.apply(args=[str(export.pk)]).get() == "ready"  # the worker's run
    assert export_build_task.apply(args=[str(export.pk)]).get() == "skipped"  # a second run
    export.refresh_from_db()
    assert (export.status, export.attempts, export.key) == (
        "ready",
        1,
        f"exports/u{town.zoe.pk}/{export.pk}.zip",
    )
    assert export.expires_at == export.ready_at + timedelta(days=7)
    assert upload_storage().size(export.key) == export.size

    assert mailbox.deliver() == 1
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "zoe@example.com"
    assert mail["Subject"] == "[Divan] Your data export is ready"
    assert body_of(mail).replace("\r\n", "\n").rstrip("\n") == expected_mail_body(export)
    assert OutboundMail.objects.count() == 1

    state = client.get(EXPORT).json()
    assert (state["status"], state["size"]) == ("ready", export.size)
    assert state["download_url"] == link_in(mail)
    assert_is_zoes_archive(town, download(client, link_in(mail)))


@pytest.mark.django_db
def test_the_link_is_hers_alone_refused_when_tampered_and_once_expired(local, settings):
    town = build_town()
    zoe = client_for(town.zoe)
    export_id = zoe.post(EXPORT).json()["id"]
    assert export_build(export_id=export_id) == "ready"
    path = f"{EXPORT}{export_id}/download/"

    assert APIClient().get(path).status_code == 401
    assert client_for(town.bob).get(path).status_code == 404  # as unknown as a missing one
    assert client_for(town.bob).get(EXPORT).status_code == 404  # he asked for none
    assert zoe.get(f"{EXPORT}00000000-0000-0000-0000-000000000000/download/").status_code == 404
    assert zoe.get(f"{EXPORT}not-an-id/download/").status_code == 404

    target = urlsplit(zoe.get(path)["Location"])
    token = target.query.removeprefix("token=")
    anyone = APIClient()
    assert anyone.get(f"{target.path}?{target.query}").status_code == 200  # the storage's link
    tampered_token = token[:-3] + ("abc" if token[-3:] != "abc" else "xyz")
    assert anyone.get(f"{target.path}?token={tampered_token}").status_code == 403
    other_key = target.path.replace(f"{export_id}.zip", "a" * 8 + ".zip")
    assert anyone.get(f"{other_key}?{target.query}").status_code == 403

    settings.DOWNLOAD_URL_EXPIRY_SECONDS = 1  # the storage's link lives a second
    short = urlsplit(zoe.get(path)["Location"])
    wait_until(
        lambda: anyone.get(f"{short.path}?{short.query}").status_code == 403,
        timeout=10, every=0.2, message="the storage's link outlived its expiry",
    )  # fmt: skip

    export = DataExport.objects.get()
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())  # its days are over
    gone = zoe.get(path)
    assert gone.status_code == 410
    assert gone.json() == {"detail": "This export has expired: ask for a new one."}
    assert zoe.get(EXPORT).json()["download_url"] is None
    assert LocalStorage().size(export.key) == export.size  # until beat's sweep

    assert sweep.apply().get() == {"builds": 0, "deletions": 0, "expired": 1, "failed": 0}
    export.refresh_from_db()
    assert (export.status, export.key) == ("expired", "")
    assert not list((Path(settings.UPLOADS_LOCAL_ROOT) / "exports").rglob("*.zip"))
    assert exports_expire() == {"expired": 0, "failed": 0}  # twice: nothing more
    assert zoe.get(path).status_code == 410
    assert zoe.post(EXPORT).status_code == 202  # she may ask again


@pytest.mark.django_db
def test_a_download_before_the_archive_is_ready_is_a_409(local):
    zoe = UserFactory(username="zoe")
    export_id = client_for(zoe).post(EXPORT).json()["id"]

    response = client_for(zoe).get(f"{EXPORT}{export_id}/download/")

    assert response.status_code == 409
    assert DataExport.objects.get().status == "pending"


@pytest.mark.django_db
def test_without_a_verified_address_no_mail_is_sent_and_the_export_waits_for_her(local, mailbox):
    zoe = UserFactory(username="zoe")  # an address nobody verified may not be hers
    export_id = client_for(zoe).post(EXPORT).json()["id"]

    assert export_build(export_id=export_id) == "ready"

    assert OutboundMail.objects.count() == 0
    assert client_for(zoe).get(EXPORT).json()["status"] == "ready"


@pytest.mark.django_db
def test_reading_the_export_costs_one_query_and_building_it_the_same_for_more_posts(local):
    town = build_town()
    client = client_for(town.zoe)
    client.post(EXPORT)
    with CaptureQueriesContext(connection) as reads:
        assert client.get(EXPORT).status_code == 200
    assert len(reads) == 1  # the export (the token: from Redis, since the POST)

    def build_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            archive_write(user=town.zoe, out=io.BytesIO(), storage=upload_storage())
        return len(queries)

    before = build_queries()
    for number in range(20):
        post_create(author=town.zoe, group=town.lounge, body=f"More {number}", tags=["more"])
    stored_upload(owner=town.zoe, filename="more.txt", content_type="text/plain", data=b"more")
    assert build_queries() == before


def fifo_in_place_of(path: Path) -> None:
    """The file becomes a named pipe: a reader waits there until something writes to it, as it
    would on a store that stopped answering in the middle of a file."""
    path.unlink()
    os.mkfifo(path)
    assert stat.S_ISFIFO(path.stat().st_mode)


def open_writer(path: Path) -> int | None:
    """The pipe's write end, once a reader holds it open; None while none does."""
    try:
        return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return None


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_halfway_through_the_archive_leaves_one_archive_and_one_mail(
    local, mailbox, settings, tmp_path
):
    town = build_town()
    settings.EXPORT_RETRY_SECONDS = 1
    worker_tmp = tmp_path / "worker-tmp"
    worker_tmp.mkdir()
    env = {
        "EMAIL_HOST": mailbox.server.hostname, "EMAIL_PORT": str(mailbox.port),
        "AWS_STORAGE_BUCKET_NAME": "", "UPLOADS_LOCAL_ROOT": settings.UPLOADS_LOCAL_ROOT,
        "SITE_URL": "http://testserver", "EXPORT_BUILD_TIME_LIMIT_SECONDS": "5",
        "EXPORT_RETRY_SECONDS": "1", "TMPDIR": str(worker_tmp),
    }  # fmt: skip
    notes_path = LocalStorage().path(town.uploads["notes"].key)
    fifo_in_place_of(notes_path)  # the build will stop in the middle, reading this file
    worker = Worker(**env).start()
    writer = None
    try:
        assert client_for(town.zoe).post(EXPORT).status_code == 202
        export = DataExport.objects.get()
        writer = wait_until(
            lambda: open_writer(notes_path), timeout=60,
            message=f"the build never reached the file: {worker.log_tail()}",
        )  # fmt: skip
        os.write(writer, NOTES[:100])  # the first bytes of the file, then nothing
        export.refresh_from_db()
        assert (export.status, export.attempts) == ("building", 1)
        worker.kill()  # SIGKILL, halfway through the archive

        export.refresh_from_db()
        assert (export.status, export.attempts, export.key) == ("building", 1, "")
        exports_dir = Path(settings.UPLOADS_LOCAL_ROOT) / "exports"
        assert not exports_dir.exists() or not list(exports_dir.rglob("*"))
        # its temporary archive never had a name (the pool's own pymp-* folders are empty)
        assert [path for path in worker_tmp.rglob("*") if not path.is_dir()] == []
        assert OutboundMail.objects.count() == 0
        os.close(writer)
        writer = None
        notes_path.unlink()
        notes_path.write_bytes(NOTES)  # the store answers again

        worker.start()

        def built() -> bool:
            sweep.apply()  # what beat does every minute: the lease runs out, the build is queued
            return DataExport.objects.filter(status="ready").exists()

        wait_until(built, timeout=60, every=0.5, message=f"not rebuilt: {worker.log_tail()}")
        [mail] = mailbox.wait_for(1)
        wait_until(
            lambda: OutboundMail.objects.filter(sent_at__isnull=False).count() == 1,
            timeout=20, message="the mail was not marked sent",
        )  # fmt: skip
    finally:
        if writer is not None:
            os.close(writer)
        worker.kill()

    export.refresh_from_db()
    assert (export.status, export.attempts) == ("ready", 2)
    assert sorted(p.name for p in exports_dir.rglob("*")) == [f"{export.pk}.zip", f"u{town.zoe.pk}"]
    assert OutboundMail.objects.count() == 1
    assert mailbox.inbox.summary() == ["zoe@example.com: [Divan] Your data export is ready"]
    assert exports_due() == []
    assert_is_zoes_archive(town, download(client_for(town.zoe), link_in(mail)))


@pytest.mark.django_db(transaction=True)
def test_the_task_delivered_twice_to_two_worker_processes_builds_once(local, mailbox, settings):
    town = build_town()
    env = {
        "EMAIL_HOST": mailbox.server.hostname, "EMAIL_PORT": str(mailbox.port),
        "AWS_STORAGE_BUCKET_NAME": "", "UPLOADS_LOCAL_ROOT": settings.UPLOADS_LOCAL_ROOT,
        "SITE_URL": "http://testserver",
    }  # fmt: skip
    assert client_for(town.zoe).post(EXPORT).status_code == 202  # queued once on commit
    export = DataExport.objects.get()
    export_build_task.delay(str(export.pk))  # and once more, as a redelivery would
    worker = Worker(concurrency=2, **env).start()
    try:
        mailbox.wait_for(1)
        wait_until(
            lambda: OutboundMail.objects.filter(sent_at__isnull=False).count() == 1,
            timeout=20, message=f"no mail sent: {worker.log_tail()}",
        )  # fmt: skip
    finally:
        worker.kill()

    export.refresh_from_db()
    assert (export.status, export.attempts) == ("ready", 1)
    assert OutboundMail.objects.count() == 1
    assert len(mailbox.inbox.messages) == 1


@pytest.mark.django_db
def test_a_build_the_store_refuses_is_given_back_and_built_again_later(local, settings):
    town = build_town()
    export_id = client_for(town.zoe).post(EXPORT).json()["id"]
    root = Path(settings.UPLOADS_LOCAL_ROOT)
    (root / "exports").write_bytes(b"")  # a file where the folder should be: writes fail

    assert export_build(export_id=export_id) == "retry"

    export = DataExport.objects.get()
    assert (export.status, export.attempts, export.lease_until) == ("pending", 1, None)
    assert export.last_error.startswith(("NotADirectoryError", "FileExistsError", "StorageError"))
    assert export.next_attempt_at > timezone.now()  # backing off
    assert exports_due() == []
    (root / "exports").unlink()  # the disk is fixed
    DataExport.objects.update(next_attempt_at=timezone.now())
    assert exports_due() == [export.pk]
    assert export_build(export_id=export_id) == "ready"
    export.refresh_from_db()
    assert (export.status, export.attempts, export.last_error) == ("ready", 2, "")


@pytest.mark.django_db
def test_a_build_out_of_attempts_fails_and_she_may_ask_again(local, settings):
    settings.EXPORT_BUILD_MAX_ATTEMPTS = 1
    zoe = UserFactory(username="zoe")
    export_id = client_for(zoe).post(EXPORT).json()["id"]
    DataExport.objects.update(attempts=1)  # one build was tried, and lost

    assert export_build(export_id=export_id) == "failed"

    assert DataExport.objects.get().status == ExportStatus.FAILED
    assert client_for(zoe).get(f"{EXPORT}{export_id}/download/").status_code == 410
    assert client_for(zoe).post(EXPORT).status_code == 202


@pytest.mark.django_db(transaction=True)
def test_two_asks_at_once_make_one_export(local):
    zoe = UserFactory(username="zoe")
    verified(zoe)
    clients = [client_for(zoe) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    codes = []

    def ask(client):
        try:
            barrier.wait(timeout=30)
            codes.append(client.post(EXPORT).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(codes) == [202] + [409] * 7
    assert DataExport.objects.count() == 1


@pytest.mark.django_db
def test_exporting_is_throttled_per_person(local, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "export": "2/day",
        },
    }  # fmt: skip
    zoe = UserFactory(username="zoe")
    client = client_for(zoe)
    for _ in range(2):
        assert client.post(EXPORT).status_code == 202
        DataExport.objects.update(status="failed")  # done with, one way or another

    refused = client.post(EXPORT)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert DataExport.objects.count() == 2
    assert client.get(EXPORT).status_code == 200  # reading is not counted
    assert client_for(UserFactory()).post(EXPORT).status_code == 202  # nor is anyone else


def test_the_deleted_posts_of_a_person_are_not_in_her_export(db, local):
    town = build_town()
    assert Post.objects.filter(author=town.zoe, deleted_at__isnull=False).count() == 1
    out = io.BytesIO()
    counts = archive_write(user=town.zoe, out=out, storage=upload_storage())
    assert counts == {
        "email_addresses": 1, "groups": 3, "posts": 2, "comments": 3, "reactions": 3, "uploads": 2,
    }  # fmt: skip
