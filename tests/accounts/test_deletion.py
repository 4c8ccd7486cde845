"""Deleting an account end to end: over HTTP with the password (and a code with two-factor
sign-in on), then the events through the real consumers (feeds, search) and the work after the
commit (uploads out of storage); what others see afterwards, every counter, and for each
refusal, that nothing changed. Races with a post of the same person, both ways round."""

import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AccountDeletion, DataExport
from accounts.services.deletion import account_delete
from accounts.services.exports import export_build
from accounts.tasks import account_deletion_finish, sweep
from accounts.two_factor import CODE_REQUIRED
from communities.models import (
    Comment,
    Group,
    Membership,
    Post,
    Reaction,
    TagCount,
    Upload,
)
from communities.services.groups import group_create
from communities.services.membership import group_join, invitation_create, membership_change_role
from communities.services.posts import post_create
from communities.storage import upload_storage
from divan.events.consumers import consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.events.models import OutboxEvent
from divan.exceptions import PermissionDenied
from divan.models import User
from feeds import cache
from feeds.models import FanoutChunk, FeedEntry
from feeds.services import fanout_chunk_run
from tests.accounts.conftest import build_town
from tests.api.helpers import db_state
from tests.communities.test_concurrency import attempt_while_held_open
from tests.factories import PASSWORD, UserFactory
from tests.feeds.readers import make_active
from tests.fixtures import client_for

DELETE = "/api/auth/delete/"
API = "/api/communities/v1"


def process() -> None:
    """What the events process and the worker do: dispatch, both consumers, fan-out chunks."""
    outbox_dispatch()
    for name in ("search", "feeds"):
        consumer_run(name, seconds=10, block_ms=0, until_idle=True)
    for chunk in FanoutChunk.objects.filter(done_at__isnull=True):
        fanout_chunk_run(chunk.pk)


def event_types() -> Counter:
    return Counter(OutboxEvent.objects.values_list("type", flat=True))


def everything() -> dict:
    """Every row a deletion touches, to compare before and after a refusal."""
    return {
        **db_state(),
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "email", "password", "is_active", "reputation"
            )
        ),
        "posts": list(
            Post.objects.order_by("pk").values_list(
                "pk", "title", "body", "deleted_at", "comments_count", "reactions_count"
            )
        ),
        "comments": list(
            Comment.objects.order_by("pk").values_list("pk", "body", "deleted_at", "hidden_at")
        ),
        "reactions": list(Reaction.objects.order_by("pk").values_list("pk", "user_id", "kind")),
        "uploads": list(Upload.objects.order_by("pk").values_list("pk", "owner_id", "key")),
        "tokens": sorted(Token.objects.values_list("user_id", flat=True)),
        "addresses": list(EmailAddress.objects.order_by("pk").values_list("pk", "email")),
        "authenticators": list(Authenticator.objects.order_by("pk").values_list("pk", "type")),
        "deletions": AccountDeletion.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def search(client, words: str) -> list:
    response = client.get(f"{API}/search/", {"q": words})
    assert response.status_code == 200
    return [(row["type"], row["id"]) for row in response.json()["results"]]


@pytest.mark.django_db
def test_deleting_her_account_removes_her_and_feeds_search_uploads_and_counts_follow(
    store, django_capture_on_commit_callbacks
):
    town = build_town()
    zoe, alice, bob = town.zoe, town.alice, town.bob
    posts, comments, uploads = town.posts, town.comments, town.uploads
    make_active([zoe, alice, bob])
    process()
    for user in (zoe, alice, bob):  # every cache warm: the deletion must empty them too
        cache.cache_fill(
            user.pk, FeedEntry.objects.filter(user=user).values_list("post_id", flat=True)
        )
    anyone, bobs = APIClient(), client_for(bob)
    assert search(anyone, "aurora") == [("post", posts["zoe"].pk)]
    assert search(bobs, "quasars") == [("comment", comments["zoe"].pk)]
    assert posts["zoe"].pk in cache.cache_entries(bob.pk)
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.reputation, bob.reputation) == (1, 1)  # zoe's love and like
    events_before = event_types()
    zoes = client_for(zoe)
    export_build(export_id=zoes.post("/api/auth/export/").json()["id"])
    archive_key = DataExport.objects.get().key
    assert upload_storage().size(archive_key)

    with django_capture_on_commit_callbacks() as after_commit:
        response = zoes.post(DELETE, {"password": PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert len(after_commit) >= 1  # the work after the commit, queued once it commits
    assert account_deletion_finish.apply(args=[zoe.pk]).get() == "finished"  # the worker's run
    process()

    # the tombstone
    zoe.refresh_from_db()
    assert (zoe.username, zoe.email, zoe.first_name, zoe.is_active, zoe.reputation) == (
        f"deleted-{zoe.pk}",
        "",
        "",
        False,
        0,
    )
    assert not zoe.has_usable_password()
    assert AccountDeletion.objects.get().finished_at is not None
    assert not Token.objects.filter(user=zoe).exists()
    assert not EmailAddress.objects.filter(user=zoe).exists()
    assert zoes.get("/api/auth/me/").status_code == 401  # her token is gone
    login = APIClient().post("/api/auth/token/", {"username": "zoe", "password": PASSWORD})
    assert login.status_code == 400
    # the groups: she left them all; hers alone is archived
    assert not Membership.objects.filter(user=zoe).exists()
    counts = dict(Group.objects.values_list("name", "member_count"))
    assert counts == {"Lounge": 2, "Book Club": 1, "Zoe's Den": 0}
    assert Group.objects.get(pk=town.den.pk).archived_at is not None
    # her posts and comments: deleted, and their words gone from the rows that stay
    assert list(Post.objects.filter(author=zoe).values_list("title", "body").distinct()) == [
        ("", "")
    ]
    assert not Post.objects.filter(author=zoe, deleted_at__isnull=True).exists()
    assert set(Comment.objects.filter(author=zoe).values_list("body", flat=True)) == {""}
    assert not Comment.objects.filter(author=zoe, deleted_at__isnull=True).exists()
    # her reactions: taken back, with the counts and the authors' reputation
    assert not Reaction.objects.filter(user=zoe).exists()
    alices = Post.objects.get(pk=posts["alice"].pk)
    assert (alices.comments_count, alices.reactions_count, alices.reaction_counts["love"]) == (
        1, 0, 0
    )  # fmt: skip
    assert Post.objects.get(pk=posts["secret"].pk).comments_count == 0
    assert Comment.objects.get(pk=comments["bob"].pk).reactions_count == 0
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.reputation, bob.reputation) == (0, 0)
    assert Reaction.objects.filter(post=posts["zoe"]).count() == 1  # bob's stays on the row
    assert TagCount.objects.filter(group=town.lounge, shown_posts__gt=0).count() == 0
    # feeds: her posts in nobody's rows nor cache, her own feed gone
    assert not FeedEntry.objects.filter(post__author=zoe).exists()
    assert not FeedEntry.objects.filter(user=zoe).exists()
    bobs_rows = set(FeedEntry.objects.filter(user=bob).values_list("post_id", flat=True))
    assert bobs_rows == {posts["alice"].pk, posts["secret"].pk}
    assert set(cache.cache_entries(bob.pk) or bobs_rows) == bobs_rows  # warm: exactly his rows
    feed = bobs.get(f"{API}/feed/", {"order": "recent"}).json()["results"]
    assert [post["id"] for post in feed] == [posts["secret"].pk, posts["alice"].pk]
    # search: nothing of hers, for anyone; others' words still found
    assert search(anyone, "aurora") == []
    assert search(bobs, "quasars") == []
    assert search(bobs, "marmalade") == []
    assert search(bobs, "answers") == [("comment", comments["reply"].pk)]
    # uploads: rows and files gone; her archive too
    assert not Upload.objects.filter(pk__in=[u.pk for u in uploads.values()]).exists()
    assert [upload_storage().size(u.key) for u in uploads.values()] == [None, None]
    assert upload_storage().size(archive_key) is None
    assert DataExport.objects.get().status == "expired"
    # what others see of her
    assert anyone.get(f"{API}/users/zoe/").status_code == 404
    assert anyone.get(f"{API}/users/deleted-{zoe.pk}/").status_code == 404
    assert bobs.get(f"{API}/posts/{posts['zoe'].pk}/").status_code == 404
    thread = bobs.get(f"{API}/posts/{posts['alice'].pk}/comments/").json()["results"]
    assert [(c["id"], c["author"], c["body"]) for c in thread] == [
        (comments["zoe"].pk, None, "[deleted]"),
        (
            comments["reply"].pk,
            {"id": bob.pk, "username": "bob", "reputation": 0},
            "Bob answers Zoe.",
        ),
    ]
    members = bobs.get(f"{API}/groups/{town.lounge.pk}/members/").json()["results"]
    assert sorted(m["user"]["username"] for m in members) == ["alice", "bob"]
    # one event per change, through the services
    written = event_types() - events_before
    assert written == Counter(
        {
            "membership.left": 3, "group.archived": 1,
            "post.deleted": 2, "comment.deleted": 3, "reaction.removed": 3,
        }
    )  # fmt: skip


@pytest.mark.django_db
def test_the_work_after_the_commit_is_safe_twice_and_catches_a_join_in_flight(local):
    town = build_town()
    zoe = town.zoe
    assert account_delete(user=zoe) is True
    elsewhere = group_create(creator=town.alice, name="Elsewhere", visibility="public")
    group_join(user=zoe, group=elsewhere)  # a request in flight, committed just after

    assert account_deletion_finish.apply(args=[zoe.pk]).get() == "finished"
    state = everything()
    assert account_deletion_finish.apply(args=[zoe.pk]).get() == "finished"

    assert everything() == state
    assert not Membership.objects.filter(user=zoe).exists()
    assert account_delete(user=zoe) is False  # a second deletion finds it done


@pytest.mark.django_db
def test_a_lost_task_is_run_again_by_the_sweep(local, settings, monkeypatch):
    from config.celery import app

    settings.EXPORT_RETRY_SECONDS = 0
    town = build_town()
    account_delete(user=town.zoe)  # its task never ran: no commit in this test's transaction
    assert AccountDeletion.objects.get().finished_at is None
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # what the sweep queues runs here

    assert sweep.apply().get()["deletions"] == 1

    assert AccountDeletion.objects.get().finished_at is not None
    assert sweep.apply().get()["deletions"] == 0
    assert not Upload.objects.exists()


REFUSALS = {
    "wrong password": ({"password": "not-hers"}, 400, {"password": ["Incorrect password."]}),
    "no password": ({}, 400, {"password": ["This field is required."]}),
    "blank password": ({"password": ""}, 400, {"password": ["This field may not be blank."]}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_deletion_changes_nothing(local, case):
    town = build_town()
    body, status, answer = REFUSALS[case]
    client = client_for(town.zoe)
    before = everything()

    response = client.post(DELETE, body, format="json")

    assert (response.status_code, response.json()) == (status, answer)
    assert everything() == before


@pytest.mark.django_db
def test_an_anonymous_caller_is_asked_to_sign_in_and_nothing_changes(local):
    build_town()
    before = everything()

    response = APIClient().post(DELETE, {"password": PASSWORD}, format="json")

    assert response.status_code == 401
    assert everything() == before


@pytest.mark.django_db
def test_the_only_owner_of_a_group_with_members_is_told_to_hand_it_over_first(local):
    town = build_town()
    client = client_for(town.alice)  # she alone owns the lounge, where zoe and bob are
    before = everything()

    response = client.post(DELETE, {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You are the only owner of Lounge, which other members still belong to: "
        "make someone else owner first (or archive the group), then delete your account.",
        "groups": [{"id": town.lounge.pk, "name": "Lounge"}],
    }
    assert everything() == before

    membership_change_role(actor=town.alice, group=town.lounge, user_id=town.bob.pk, role="owner")
    assert client.post(DELETE, {"password": PASSWORD}, format="json").status_code == 204
    roles = Membership.objects.filter(group=town.lounge).values_list("user__username", "role")
    assert dict(roles) == {"zoe": "member", "bob": "owner"}


@pytest.mark.django_db
def test_with_two_factor_on_a_code_is_needed_and_a_wrong_one_changes_nothing(local):
    town = build_town()
    secret = generate_totp_secret()
    TOTP.activate(town.zoe, secret)
    client = client_for(town.zoe)
    before = everything()

    missing = client.post(DELETE, {"password": PASSWORD}, format="json")
    wrong = client.post(DELETE, {"password": PASSWORD, "code": "000000"}, format="json")
    wrong_password = client.post(
        DELETE, {"password": "nope", "code": totp_code(secret)}, format="json"
    )

    assert (missing.status_code, missing.json()) == (400, {"code": [CODE_REQUIRED]})
    assert (wrong.status_code, wrong.json()) == (400, {"code": ["Incorrect code."]})
    assert wrong_password.json() == {"password": ["Incorrect password."]}
    assert everything() == before

    done = client.post(DELETE, {"password": PASSWORD, "code": totp_code(secret)}, format="json")
    assert done.status_code == 204
    assert not Authenticator.objects.filter(user=town.zoe).exists()


@pytest.mark.django_db
def test_a_recovery_code_does_as_well(local):
    town = build_town()
    TOTP.activate(town.zoe, generate_totp_secret())
    [code, *_] = RecoveryCodes.activate(town.zoe).get_unused_codes()

    body = {"password": PASSWORD, "code": code}
    response = client_for(town.zoe).post(DELETE, body, format="json")

    assert response.status_code == 204
    assert not User.objects.get(pk=town.zoe.pk).is_active


@pytest.mark.django_db
def test_guessing_her_password_from_her_session_is_stopped(local, settings):
    settings.THROTTLE_REAUTHENTICATE_USER_RATE = "10/10min"  # the default
    town = build_town()
    client = client_for(town.zoe)
    before = everything()

    codes = [
        client.post(DELETE, {"password": f"guess-{n}"}, format="json").status_code
        for n in range(12)
    ]

    assert codes == [400] * 10 + [429] * 2  # wrong passwords, per account (accounts.throttles)
    right = client.post(DELETE, {"password": PASSWORD}, format="json")
    assert right.status_code == 429  # the right one too, until the limit lifts
    assert 0 < int(right["Retry-After"]) <= 600
    assert right.json()["detail"].startswith("Request was throttled.")
    assert everything() == before


@pytest.mark.django_db
def test_a_browser_session_is_signed_out_with_it(local):
    town = build_town()
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(town.zoe)
    csrf = browser.get("/api/auth/session/").json()["csrf_token"]

    forged = browser.post(DELETE, {"password": PASSWORD}, format="json")  # no CSRF token
    response = browser.post(DELETE, {"password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert forged.status_code == 403
    assert response.status_code == 204
    assert browser.get("/api/auth/session/").json()["user"] is None


@pytest.mark.django_db
def test_deleted_accounts_names_are_reserved():
    response = APIClient().post(
        "/api/auth/register/",
        {"username": "Deleted-42", "email": "x@example.com", "password": "a-long-pass-phrase"},
        format="json",
    )

    assert (response.status_code, response.json()) == (
        400, {"username": ["This username is reserved."]}
    )  # fmt: skip
    assert not User.objects.exists()


@pytest.mark.django_db
def test_deleted_accounts_names_are_reserved_on_allauths_sign_up_too():
    response = APIClient().post(
        "/api/_allauth/app/v1/auth/signup",
        {"username": "deleted-42", "email": "x@example.com", "password": "a-long-pass-phrase"},
        format="json",
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["param"], error["message"]) == ("username", "This username is reserved.")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_name_taken_before_the_reservation_gets_the_tombstone_a_suffix(local):
    zoe = UserFactory(username="zoe")
    UserFactory(username=f"deleted-{zoe.pk}")

    account_delete(user=zoe)

    zoe.refresh_from_db()
    assert zoe.username.startswith(f"deleted-{zoe.pk}-") and len(zoe.username) > 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("connection_heavy")
def test_her_post_during_the_deletion_waits_for_it_and_is_refused(local):
    town = build_town()

    outcome = attempt_while_held_open(
        hold=lambda: account_delete(user=town.zoe),
        attempt=lambda: post_create(author=town.zoe, group=town.lounge, body="one last word"),
        refusals=(PermissionDenied,),
    )

    assert outcome == "Only members of this group can post."
    assert not Post.objects.filter(body="one last word").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("connection_heavy")
def test_a_deletion_during_her_post_waits_for_it_and_removes_it_too(local):
    town = build_town()

    outcome = attempt_while_held_open(
        hold=lambda: post_create(author=town.zoe, group=town.lounge, body="just in time"),
        attempt=lambda: account_delete(user=town.zoe),
    )

    assert outcome == "done"
    [post] = Post.objects.filter(author=town.zoe, created_at__gt=town.posts["alice"].created_at)
    assert (post.body, post.deleted_at is not None) == ("", True)
    assert not Membership.objects.filter(user=town.zoe).exists()


@pytest.mark.django_db
def test_a_join_request_and_an_invitation_end_with_her(local):
    town = build_town()
    closed = group_create(creator=town.alice, name="Closed", visibility="private")
    other = group_create(creator=town.alice, name="Other", visibility="secret")
    request = group_join(user=town.zoe, group=closed).join_request
    invitation, _ = invitation_create(actor=town.alice, group=other, user_id=town.zoe.pk)

    assert account_delete(user=town.zoe) is True

    request.refresh_from_db()
    invitation.refresh_from_db()
    assert (request.status, request.decided_by_id) == ("denied", town.zoe.pk)
    assert invitation.status == "declined"
