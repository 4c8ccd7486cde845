"""users/: finding people by a name prefix, users named by username where ids are taken, and a
person's profile with the live content of theirs the viewer may read."""

import pytest

from communities.models import Ban, Invitation, Visibility
from communities.services.comments import comment_delete, comment_hide
from communities.services.posts import post_delete, post_hide
from tests.api.helpers import API, NON_MEMBERS, db_state, when
from tests.factories import UserFactory
from tests.fixtures import VIEWERS, add_member, build_world, client_for, make_comment, make_post

pytestmark = pytest.mark.django_db

USERS = f"{API}/users/"


def names(response) -> list[str]:
    return [row["username"] for row in response.json()]


# --- the name lookup --------------------------------------------------------------------------


@pytest.fixture
def people(db):
    for username in ("alice", "Alibaba", "alicia", "bob", "malice"):
        UserFactory(username=username)
    UserFactory(username="alien", is_active=False)
    return client_for(UserFactory(username="zed"))


def test_the_lookup_finds_active_users_by_prefix_in_any_case_by_username(people):
    response = people.get(USERS, {"prefix": "ALI"})

    assert response.status_code == 200
    assert response.json() == [
        {"id": row["id"], "username": row["username"]} for row in response.json()
    ]
    assert names(response) == ["Alibaba", "alice", "alicia"]


def test_the_lookup_gives_at_most_20(people):
    for n in range(25):
        UserFactory(username=f"many{n:02}")

    response = people.get(USERS, {"prefix": "many"})

    assert names(response) == [f"many{n:02}" for n in range(20)]


@pytest.mark.parametrize("who", VIEWERS[1:])
def test_the_lookup_tells_every_signed_in_person_the_same(secret_world, who):
    """No standing changes the answer: it reveals nothing of memberships or bans."""
    response = secret_world.client(who).get(USERS, {"prefix": "secret-"})

    assert response.status_code == 200
    assert names(response) == sorted(
        f"secret-{w}" for w in ("owner", "admin", "moderator", "member", "outsider", "banned")
    )
    assert all(set(row) == {"id", "username"} for row in response.json())


def test_the_lookup_needs_a_sign_in(people):
    response = client_for(None).get(USERS, {"prefix": "ali"})

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({}, {"prefix": ["This field is required."]}),
        ({"prefix": ""}, {"prefix": ["This field may not be blank."]}),
        ({"prefix": "   "}, {"prefix": ["This field may not be blank."]}),
        ({"prefix": "a" * 151}, {"prefix": ["Ensure this field has no more than 150 characters."]}),
        ({"prefix": "a\x00"}, {"prefix": ["Null characters are not allowed."]}),
    ],
)
def test_a_missing_or_bad_prefix_is_a_400(people, query, errors):
    response = people.get(USERS, query)

    assert (response.status_code, response.json()) == (400, errors)


def test_a_prefix_with_like_wildcards_is_plain_text(people):
    assert names(people.get(USERS, {"prefix": "%"})) == []
    assert names(people.get(USERS, {"prefix": "_lice"})) == []


# --- usernames where ids are taken ---------------------------------------------------------------


def bans_url(world) -> str:
    return f"{API}/groups/{world.group.pk}/bans/"


@pytest.mark.parametrize("spelled", ["exact", "other case", "id", "id as text"])
def test_a_ban_names_its_user_by_username_or_id(public_world, spelled):
    target = public_world.user("member")
    user = {
        "exact": target.username,
        "other case": target.username.upper(),
        "id": target.pk,
        "id as text": str(target.pk),
    }[spelled]

    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": user, "reason": "r"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["user"]["username"] == target.username
    assert Ban.objects.filter(group=public_world.group, user=target).exists()


@pytest.mark.parametrize("user", ["nobody", "inactive", 999999999])
def test_an_unknown_username_is_refused_as_an_unknown_id_is(public_world, user):
    UserFactory(username="inactive", is_active=False)
    before = db_state()

    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": user}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"user": ["No such user."]})
    assert db_state() == before


def test_banning_oneself_by_username_says_why(public_world):
    moderator = public_world.user("moderator")
    before = db_state()

    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": moderator.username}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"user": ["You cannot ban yourself."]},
    )
    assert db_state() == before


@pytest.mark.parametrize("user", [None, True, 1.5, [], {}, "", "x" * 151, "a\x00"])
def test_a_user_that_is_neither_id_nor_username_is_a_400(public_world, user):
    before = db_state()

    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": user}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"user"}
    assert db_state() == before


BAN_BY_NAME = [
    # who, (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("member", (403, 403, 403)),
    ("moderator", (201, 201, 201)),
    ("admin", (201, 201, 201)),
    ("owner", (201, 201, 201)),
]


@pytest.mark.parametrize(("who", "expected"), BAN_BY_NAME)
@pytest.mark.parametrize("named", ["someone", "nobody"])
def test_who_may_not_ban_learns_nothing_of_the_name(world, who, expected, named):
    """The role is checked before the name is looked up: a refusal is the same for a name that
    exists and one that does not."""
    target = world.user("outsider") if who != "outsider" else world.user("member")
    user = target.username if named == "someone" else "nobody"
    before = db_state()

    response = world.client(who).post(bans_url(world), {"user": user}, format="json")

    status = expected[list(Visibility.values).index(world.group.visibility)]
    if status == 201 and named == "nobody":
        status = 400
    assert response.status_code == status
    if status != 201:
        assert db_state() == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 403), ("banned", 403), ("member", 403), ("moderator", 201)],
)
def test_an_invitation_names_its_user_by_username(private_world, who, expected):
    invitee = UserFactory(username="Newcomer")
    before = db_state()

    response = private_world.client(who).post(
        f"{API}/groups/{private_world.group.pk}/invitations/", {"user": "newcomer"}, format="json"
    )

    assert response.status_code == expected
    if expected == 201:
        assert response.json()["user"]["username"] == "Newcomer"
        assert Invitation.objects.filter(group=private_world.group, user=invitee).exists()
    else:
        assert db_state() == before


def test_an_invitation_to_an_unknown_username_is_a_400(private_world):
    before = db_state()

    response = private_world.client("moderator").post(
        f"{API}/groups/{private_world.group.pk}/invitations/", {"user": "nobody"}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"user": ["No such user."]})
    assert db_state() == before


# --- profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_a_profile_by_username(public_world, who):
    member = public_world.user("member")

    response = public_world.client(who).get(f"{USERS}{member.username}/")

    assert (response.status_code, response.json()) == (
        200,
        {
            "id": member.pk,
            "username": member.username,
            "reputation": member.reputation,
            "date_joined": when(member.date_joined),
            "viewer_block": None,
        },
    )


@pytest.mark.parametrize("suffix", ["", "posts/", "comments/"])
@pytest.mark.parametrize("username", ["nobody", "inactive"])
def test_an_unknown_or_deactivated_user_is_a_404(public_world, suffix, username):
    UserFactory(username="inactive", is_active=False)

    response = public_world.client("member").get(f"{USERS}{username}/{suffix}")

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No user matches the given query."},
    )


@pytest.fixture
def activity(db):
    """One author, a member of a public and a secret group, with live, hidden and deleted posts
    and comments in each."""
    public, secret = build_world(Visibility.PUBLIC), build_world(Visibility.SECRET)
    author = UserFactory(username="writer")
    add_member(public.group, author)
    add_member(secret.group, author)
    moderator = public.user("moderator")
    live = make_post(group=public.group, author=author, body="live")
    hidden = make_post(group=public.group, author=author, body="hidden")
    deleted = make_post(group=public.group, author=author, body="deleted")
    classified = make_post(group=secret.group, author=author, body="secret")
    post_hide(actor=moderator, post=hidden)
    post_delete(actor=author, post=deleted)
    comments = {
        "live": make_comment(post=live, author=author, body="c-live"),
        "hidden": make_comment(post=live, author=author, body="c-hidden"),
        "deleted": make_comment(post=live, author=author, body="c-deleted"),
        "secret": make_comment(post=classified, author=author, body="c-secret"),
    }
    make_comment(post=live, author=moderator, body="someone else's")
    comment_hide(actor=moderator, comment=comments["hidden"])
    comment_delete(actor=author, comment=comments["deleted"])
    return public, secret, author


SEES = [
    # who, world, posts, comments (newest first)
    ("anonymous", "public", ["live"], ["c-live"]),
    ("outsider", "public", ["live"], ["c-live"]),
    ("banned", "public", ["live"], ["c-live"]),
    ("banned", "secret", ["live"], ["c-live"]),
    ("member", "public", ["live"], ["c-live"]),
    ("moderator", "public", ["live"], ["c-live"]),  # no hidden content on a profile
    ("member", "secret", ["secret", "live"], ["c-secret", "c-live"]),
    ("owner", "secret", ["secret", "live"], ["c-secret", "c-live"]),
    ("writer", None, ["secret", "live"], ["c-secret", "c-live"]),
]


@pytest.mark.parametrize(("who", "where", "posts", "comments"), SEES)
def test_a_profile_lists_what_the_viewer_may_read(activity, who, where, posts, comments):
    public, secret, author = activity
    viewer = author if who == "writer" else {"public": public, "secret": secret}[where].user(who)
    client = client_for(viewer)

    posts_page = client.get(f"{USERS}writer/posts/")
    comments_page = client.get(f"{USERS}writer/comments/")

    assert posts_page.status_code == comments_page.status_code == 200
    assert [p["body"] for p in posts_page.json()["results"]] == posts
    assert [c["body"] for c in comments_page.json()["results"]] == comments
    assert {p["author"]["username"] for p in posts_page.json()["results"]} == {"writer"}


def test_a_profile_page_is_cursor_paginated(activity):
    public, _secret, author = activity
    for n in range(3):
        make_post(group=public.group, author=author, body=f"more {n}")
    client = client_for(author)

    first = client.get(f"{USERS}writer/posts/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [p["body"] for p in first["results"]] == ["more 2", "more 1"]
    assert [p["body"] for p in second["results"]][:1] == ["more 0"]


def test_a_profile_list_costs_the_same_whatever_its_length(activity, django_assert_max_num_queries):
    public, _secret, author = activity
    viewer = public.user("member")
    client = client_for(viewer)
    client.get(f"{USERS}writer/posts/")  # warm the token
    for n in range(10):
        post = make_post(group=public.group, author=author, body=f"more {n}")
        make_comment(post=post, author=author)

    with django_assert_max_num_queries(3):  # the token, the user, the page
        assert len(client.get(f"{USERS}writer/posts/").json()["results"]) == 11
    with django_assert_max_num_queries(3):
        assert len(client.get(f"{USERS}writer/comments/").json()["results"]) == 11


@pytest.mark.parametrize("who", NON_MEMBERS)
def test_a_secret_groups_content_never_reaches_outsiders(activity, who):
    _public, secret, _author = activity
    client = secret.client(who)

    bodies = [p["body"] for p in client.get(f"{USERS}writer/posts/").json()["results"]]
    comment_bodies = [c["body"] for c in client.get(f"{USERS}writer/comments/").json()["results"]]

    assert "secret" not in bodies
    assert "c-secret" not in comment_bodies
