"""Fixtures of the export and deletion tests: a store for files, and a person with something of
everything (groups, posts, comments, reactions, files) beside others' content they can see."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from communities.models import Comment, Group, Post, Upload, UploadStatus
from communities.services.comments import comment_create, comment_hide
from communities.services.groups import group_create
from communities.services.membership import group_join, invitation_create
from communities.services.posts import post_create, post_delete
from communities.services.reactions import reaction_add
from communities.storage import upload_storage
from tests.communities.test_uploads import s3  # noqa: F401 - the S3 store, as uploads test it
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
NOTES = b"Notes for the book club: chapter one, the long winter.\n" * 30


@pytest.fixture
def local(settings, tmp_path):
    """Files on this machine; links start with the test client's own host, so it follows them."""
    settings.AWS_STORAGE_BUCKET_NAME = ""
    settings.UPLOADS_LOCAL_ROOT = str(tmp_path / "store")
    settings.SITE_URL = "http://testserver"


@pytest.fixture(params=["local", "s3"])
def store(request, settings):
    request.getfixturevalue(request.param)
    settings.SITE_URL = "http://testserver"
    return request.param


def stored_upload(*, owner, filename: str, content_type: str, data: bytes) -> Upload:
    """A ready upload whose file is in storage, as one that was completed and checked."""
    now = timezone.now()
    upload = Upload.objects.create(
        owner=owner, status=UploadStatus.READY, key=f"u{owner.pk}/{filename}-{now.timestamp()}",
        filename=filename, content_type=content_type, size=len(data),
        expires_at=now + timedelta(minutes=15), completed_at=now,
    )  # fmt: skip
    upload_storage().put(upload.key, data, content_type)
    return upload


def verified(user, email: str | None = None) -> EmailAddress:
    return EmailAddress.objects.create(
        user=user, email=email or user.email, verified=True, primary=True
    )


@dataclass
class Town:
    """zoe, the person who leaves (or exports), and the people around her."""

    zoe: object
    alice: object
    bob: object
    lounge: Group  # public, alice owns it; zoe and bob are members
    club: Group  # private, bob owns it; zoe is a member
    den: Group  # public, zoe's alone
    posts: dict = field(default_factory=dict)
    comments: dict = field(default_factory=dict)
    uploads: dict = field(default_factory=dict)


def build_town() -> Town:
    zoe, alice, bob = (UserFactory(username=name) for name in ("zoe", "alice", "bob"))
    verified(zoe)
    lounge = group_create(creator=alice, name="Lounge", visibility="public")
    club = group_create(creator=bob, name="Book Club", visibility="private")
    den = group_create(creator=zoe, name="Zoe's Den", visibility="public")
    for user in (zoe, bob):
        group_join(user=user, group=lounge)
    invitation_create(actor=bob, group=club, user_id=zoe.pk)
    group_join(user=zoe, group=club)
    town = Town(zoe=zoe, alice=alice, bob=bob, lounge=lounge, club=club, den=den)

    pdf = stored_upload(owner=zoe, filename="winter.pdf", content_type="application/pdf", data=PDF)
    notes = stored_upload(owner=zoe, filename="notes.txt", content_type="text/plain", data=NOTES)
    town.uploads = {"pdf": pdf, "notes": notes}
    posts = town.posts
    posts["zoe"] = post_create(
        author=zoe, group=lounge, title="Quiet evenings", body="Zoe reads by the aurora lamp.",
        tags=["Night", "books"], attachments=[pdf.pk],
    )  # fmt: skip
    posts["den"] = post_create(author=zoe, group=den, body="Zoe's own corner, marmalade.")
    posts["deleted"] = post_create(author=zoe, group=lounge, body="Zoe's second thoughts.")
    post_delete(actor=zoe, post=posts["deleted"])
    posts["alice"] = post_create(author=alice, group=lounge, body="Alice asks about lamps.")
    posts["secret"] = post_create(author=bob, group=club, title="Club only", body="Bob's plan.")
    comments = town.comments
    comments["zoe"] = comment_create(author=zoe, post=posts["alice"], body="Zoe likes quasars.")
    comments["reply"] = comment_create(
        author=bob, post=posts["alice"], parent=comments["zoe"], body="Bob answers Zoe."
    )
    comments["club"] = comment_create(author=zoe, post=posts["secret"], body="Zoe agrees.")
    comments["hidden"] = comment_create(author=zoe, post=posts["secret"], body="Zoe rants.")
    comment_hide(actor=bob, comment=comments["hidden"])
    comments["bob"] = comment_create(author=bob, post=posts["zoe"], body="Bob loves that lamp.")
    reaction_add(user=zoe, kind="love", post=posts["alice"])
    reaction_add(user=zoe, kind="like", comment=comments["bob"])
    reaction_add(user=zoe, kind="wow", post=posts["zoe"])  # her own: no reputation
    reaction_add(user=bob, kind="like", post=posts["zoe"])
    for name, post in posts.items():
        posts[name] = Post.objects.get(pk=post.pk)
    for name, comment in comments.items():
        comments[name] = Comment.objects.get(pk=comment.pk)
    return town


@pytest.fixture
def town(db) -> Town:
    return build_town()
