"""The moderators' pin, unpin, lock, unlock, hide and restore: who may, what it changes, and the
moderation log entry each one writes."""

import pytest

from communities.models import ModerationAction, ModerationLogEntry, Post
from communities.services.posts import (
    post_delete,
    post_hide,
    post_lock,
    post_pin,
)
from tests.api.post_helpers import (
    MODERATORS,
    VIEWERS,
    content_snapshot,
    make_post,
    post_url,
    posts_url,
    row,
    with_author,
)
from tests.fixtures import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(params=("public", "private", "secret"))
def world(request, db) -> World:
    return with_author(build_world(request.param))


@pytest.fixture
def public(db) -> World:
    return with_author(build_world("public"))


def moderator_only(visibility: str, *, hidden: bool = False) -> dict:
    """Moderators and up: 200. Anonymous: 401. Those who cannot read the post: 404. Those who
    can read it but may not moderate: 403."""
    codes = {}
    for who in VIEWERS:
        if who in MODERATORS:
            codes[who] = 200
        elif who == "anonymous":
            codes[who] = 401
        elif hidden or (who in ("outsider", "banned") and visibility != "public"):
            codes[who] = 404
        else:
            codes[who] = 403
    return codes


def _pinned(world, post):
    post_pin(actor=world.user("owner"), post=post)


def _locked(world, post):
    post_lock(actor=world.user("owner"), post=post)


def _hidden(world, post):
    post_hide(actor=world.user("owner"), post=post)


def _plain(world, post):
    pass


# action, state to start from, the fields it sets, what the log says, whether the post is hidden
ACTIONS = [
    ("pin", _plain, {"pinned": True}, ModerationAction.PIN_POST, False),
    ("unpin", _pinned, {"pinned": False}, ModerationAction.UNPIN_POST, False),
    ("lock", _plain, {"locked": True}, ModerationAction.LOCK_POST, False),
    ("unlock", _locked, {"locked": False}, ModerationAction.UNLOCK_POST, False),
    ("hide", _plain, {"hidden": True}, ModerationAction.HIDE_POST, False),
    ("restore", _hidden, {"hidden": False}, ModerationAction.RESTORE_POST, True),
]


@pytest.mark.parametrize(
    ("action", "prepare", "fields", "logged", "hidden"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_moderation_matrix(world, action, prepare, fields, logged, hidden):
    got = {}
    for who in VIEWERS:
        post = make_post(world)
        prepare(world, post)
        before = content_snapshot()
        response = world.client(who).post(post_url(post, action), format="json")
        got[who] = response.status_code
        if response.status_code == 200:
            body = response.json()
            assert {field: body[field] for field in fields} == fields
            entry = ModerationLogEntry.objects.order_by("-id").first()
            assert (entry.actor, entry.action, entry.post, entry.group, entry.target_user) == (
                world.user(who),
                logged,
                post,
                world.group,
                world.user("author"),
            )
            assert content_snapshot()["log"] == before["log"] + 1
        else:
            assert content_snapshot() == before

    assert got == moderator_only(world.group.visibility, hidden=hidden)


def test_pin_moves_the_post_first_and_unpin_puts_it_back(public):
    old, new = make_post(public, body="old"), make_post(public, body="new")
    client = public.client("moderator")
    url = posts_url(public.group)

    client.post(post_url(old, "pin"))
    assert row(old)["sort_key"] == old.pk + Post.PINNED_OFFSET
    assert [p["id"] for p in client.get(url).json()["results"]] == [old.pk, new.pk]

    client.post(post_url(old, "unpin"))
    assert (row(old)["sort_key"], row(old)["pinned"]) == (old.pk, False)
    assert [p["id"] for p in client.get(url).json()["results"]] == [new.pk, old.pk]


@pytest.mark.parametrize(
    ("action", "prepare", "message"),
    [
        ("pin", _pinned, "This post is already pinned."),
        ("unpin", _plain, "This post is not pinned."),
        ("lock", _locked, "This post is already locked."),
        ("unlock", _plain, "This post is not locked."),
        ("hide", _hidden, "This post is already hidden."),
        ("restore", _plain, "This post is not hidden."),
    ],
)
def test_repeating_a_moderation_action_is_409_and_logs_nothing(public, action, prepare, message):
    post = make_post(public)
    prepare(public, post)
    before = content_snapshot()

    response = public.client("moderator").post(post_url(post, action))

    assert response.status_code == 409
    assert response.json() == {"detail": message}
    assert content_snapshot() == before


def test_hide_and_restore_record_their_reasons(public):
    post = make_post(public)
    client = public.client("moderator")

    hidden = client.post(post_url(post, "hide"), {"reason": "off topic"}, format="json")
    restored = client.post(post_url(post, "restore"), {"reason": "appeal upheld"}, format="json")

    assert (hidden.status_code, restored.status_code) == (200, 200)
    assert list(
        ModerationLogEntry.objects.filter(post=post)
        .order_by("id")
        .values_list("action", "reason", "actor")
    ) == [
        (ModerationAction.HIDE_POST, "off topic", public.user("moderator").pk),
        (ModerationAction.RESTORE_POST, "appeal upheld", public.user("moderator").pk),
    ]
    assert row(post)["hidden_at"] is None
    assert row(post)["hidden_by_id"] is None


def test_hide_records_who_and_when(public):
    post = make_post(public)

    public.client("admin").post(post_url(post, "hide"))

    assert row(post)["hidden_at"] is not None
    assert row(post)["hidden_by_id"] == public.user("admin").pk


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"reason": "r" * 501}, {"reason": ["Ensure this field has no more than 500 characters."]}),
        ({"reason": ["spam"]}, {"reason": ["Not a valid string."]}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["hide", "restore"])
def test_bad_reasons_are_400_and_change_nothing(public, action, payload, errors):
    post = make_post(public)
    if action == "restore":
        _hidden(public, post)
    before = content_snapshot()

    response = public.client("moderator").post(post_url(post, action), payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert content_snapshot() == before


def test_a_hidden_post_is_invisible_to_everyone_but_moderators(public):
    post = make_post(public, tags=["secretive"])
    shown = make_post(public, body="shown")
    _hidden(public, post)

    for who in ("anonymous", "outsider", "banned", "member", "author"):
        client = public.client(who)
        assert client.get(post_url(post)).status_code == 404
        listed = client.get(posts_url(public.group)).json()["results"]
        assert [p["id"] for p in listed] == [shown.pk]
        tags = client.get("/api/communities/v1/tags/").json()["results"]
        assert tags == []
    for who in MODERATORS:
        client = public.client(who)
        detail = client.get(post_url(post))
        assert (detail.status_code, detail.json()["hidden"]) == (200, True)
        listed = client.get(posts_url(public.group)).json()["results"]
        assert [(p["id"], p["hidden"]) for p in listed] == [(shown.pk, False), (post.pk, True)]
        tags = client.get("/api/communities/v1/tags/").json()["results"]
        assert tags == [{"name": "secretive", "post_count": 1}]


def test_a_locked_post_cannot_be_edited_by_its_author_until_unlocked(public):
    post = make_post(public, body="original")
    _locked(public, post)
    before = content_snapshot()

    refused = public.client("author").patch(post_url(post), {"body": "edited"}, format="json")

    assert refused.status_code == 409
    assert refused.json() == {"detail": "This post is locked."}
    assert content_snapshot() == before

    public.client("moderator").post(post_url(post, "unlock"))
    allowed = public.client("author").patch(post_url(post), {"body": "edited"}, format="json")
    assert allowed.status_code == 200
    assert row(post)["body"] == "edited"


def test_a_locked_post_can_still_be_deleted_by_its_author(public):
    post = make_post(public)
    _locked(public, post)

    assert public.client("author").delete(post_url(post)).status_code == 204


def test_a_hidden_post_is_404_to_its_author_who_may_not_read_it(public):
    post = make_post(public, body="mine")
    post_hide(actor=public.user("moderator"), post=post)
    before = content_snapshot()

    read = public.client("author").get(post_url(post))
    edit = public.client("author").patch(post_url(post), {"body": "x"}, format="json")

    assert (read.status_code, edit.status_code) == (404, 404)
    assert edit.json() == {"detail": "No post matches the given query."}
    assert content_snapshot() == before


def test_a_moderator_who_wrote_a_hidden_post_cannot_edit_it(public):
    post = make_post(public, who="moderator", body="mine")
    post_hide(actor=public.user("admin"), post=post)
    before = content_snapshot()

    response = public.client("moderator").patch(post_url(post), {"body": "x"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "This post is hidden by the moderators."}
    assert content_snapshot() == before


@pytest.mark.parametrize("action", ["pin", "unpin", "lock", "unlock", "hide", "restore"])
def test_moderation_actions_on_a_deleted_post_are_404(public, action):
    post = make_post(public)
    _hidden(public, post)
    post_delete(actor=public.user("author"), post=post)
    before = content_snapshot()

    response = public.client("owner").post(post_url(post, action))

    assert response.status_code == 404
    assert content_snapshot() == before


def test_moderators_of_another_group_cannot_moderate_here(public):
    other = build_world("secret")  # its owner moderates another group
    post = make_post(public)
    before = content_snapshot()

    for action in ("pin", "lock", "hide"):
        response = other.client("owner").post(post_url(post, action))
        assert response.status_code == 403
    assert other.client("owner").delete(post_url(post)).status_code == 403
    assert content_snapshot() == before


def test_django_staff_are_not_moderators(public):
    staff = public.user("outsider")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    post = make_post(public)
    before = content_snapshot()

    response = public.client("outsider").post(post_url(post, "hide"))

    assert response.status_code == 403
    assert content_snapshot() == before
