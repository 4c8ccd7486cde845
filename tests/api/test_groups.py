"""groups/, groups/{id}/, join/ and leave/: who may see, change, archive, join and leave a group."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Ban, Group, Invitation, JoinRequest, Membership, Visibility
from communities.services.groups import group_archive
from communities.services.membership import invitation_create, membership_change_role
from tests.api.helpers import (
    HUGE_ID,
    LARGEST_ROUTED_ID,
    NON_MEMBERS,
    by_visibility,
    db_state,
    db_state_without,
    group_url,
    groups_url,
    join_request_body,
    member_count,
    membership_body,
    pending_invitation,
    pending_join_request,
    roles,
    summary,
    when,
)
from tests.factories import UserFactory
from tests.fixtures import ROLES, VIEWERS, client_for, make_group

MODERATOR_PERMISSIONS = [
    "decide_join_requests",
    "manage_bans",
    "manage_invitations",
    "post",
    "moderate_content",
    "pin_posts",
    "lock_posts",
    "handle_reports",
    "view_moderation_log",
]
ADMIN_PERMISSIONS = [
    "update_group",
    "change_roles",
    "remove_members",
    "invite_to_sign_up",
    *MODERATOR_PERMISSIONS,
]
# What each standing may do in a group, written out rather than derived from roles.py.
PERMISSIONS = {
    "anonymous": [],
    "outsider": [],
    "banned": [],
    "member": ["post"],
    "moderator": MODERATOR_PERMISSIONS,
    "admin": ADMIN_PERMISSIONS,
    "owner": [*ADMIN_PERMISSIONS[:1], "archive_group", *ADMIN_PERMISSIONS[1:]],
}


def group_body(world, who: str, count) -> dict:
    group = world.refresh()
    membership = Membership.objects.filter(group=group, user=world.user(who)).first()
    return {
        "id": group.pk,
        "name": group.name,
        "slug": group.slug,
        "description": group.description,
        "visibility": group.visibility,
        "member_count": count,
        "created_at": when(group.created_at),
        "membership": None
        if membership is None
        else {"role": membership.role, "joined_at": when(membership.created_at)},
        "join_request_pending": False,
        "invited": False,
        "tags": [],
        "permissions": PERMISSIONS[who],
        "banned": {"reason": "spam", "expires_at": None} if who == "banned" else None,
        "readable": count is not None,  # the count is shown to exactly those who may read
        "joins_at_once": group.visibility == "public",
    }


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def other_groups(db):
    """A stranger's public, private and secret groups, and an archived one."""
    stranger = UserFactory(username="stranger")
    groups = {v: make_group(owner=stranger, visibility=v) for v in Visibility.values}
    archived = make_group(owner=stranger, name="Archived")
    group_archive(actor=stranger, group=archived)
    return groups


LIST = [
    # who: sees the world's group when it is (public, private, secret)
    ("anonymous", (True, True, False)),
    ("outsider", (True, True, False)),
    ("banned", (True, True, False)),
    ("owner", (True, True, True)),
    ("admin", (True, True, True)),
    ("moderator", (True, True, True)),
    ("member", (True, True, True)),
]


@pytest.mark.parametrize(("who", "sees"), LIST)
def test_list_holds_exactly_the_groups_the_viewer_may_see(world, other_groups, who, sees):
    response = world.client(who).get(groups_url())

    assert response.status_code == 200
    expected = {other_groups["public"].pk, other_groups["private"].pk}
    if by_visibility(world, sees):
        expected.add(world.group.pk)
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == sorted(expected, reverse=True)
    assert response.json()["next"] is None


@pytest.mark.parametrize("who", ROLES)
def test_list_entry_is_the_detail_a_member_sees(world, who):
    response = world.client(who).get(groups_url())

    assert response.status_code == 200
    assert response.json()["results"] == [group_body(world, who, 4)]


@pytest.mark.parametrize("who", NON_MEMBERS)
def test_list_hides_a_private_groups_count_from_non_members(private_world, who):
    response = private_world.client(who).get(groups_url())

    assert response.status_code == 200
    assert response.json()["results"] == [group_body(private_world, who, None)]


def test_list_page_size_is_capped_and_a_bad_cursor_is_a_404(public_world):
    client = public_world.client("outsider")

    assert client.get(groups_url(), {"page_size": HUGE_ID}).status_code == 200
    assert client.get(groups_url(), {"cursor": "not-a-cursor"}).status_code == 404


# --- retrieve -------------------------------------------------------------------------------

RETRIEVE = [
    # who          status (public, private, secret)  member_count shown (public, private, secret)
    ("anonymous", (200, 200, 404), (4, None, None)),
    ("outsider", (200, 200, 404), (4, None, None)),
    ("banned", (200, 200, 404), (4, None, None)),
    ("owner", (200, 200, 200), (4, 4, 4)),
    ("admin", (200, 200, 200), (4, 4, 4)),
    ("moderator", (200, 200, 200), (4, 4, 4)),
    ("member", (200, 200, 200), (4, 4, 4)),
]


@pytest.mark.parametrize(("who", "status", "count"), RETRIEVE)
def test_retrieve(world, who, status, count):
    response = world.client(who).get(group_url(world.group.pk))

    assert response.status_code == by_visibility(world, status)
    if response.status_code == 200:
        assert response.json() == group_body(world, who, by_visibility(world, count))
    else:
        assert response.json() == {"detail": "No Group matches the given query."}


def readable_and_reads(client, group_id) -> tuple[bool, int, int]:
    """What a group says of reading it, and what its posts and its feed answer."""
    posts = client.get(group_url(group_id, "posts/"))
    feed = client.get(group_url(group_id, "feed/"), {"order": "top"})
    return client.get(group_url(group_id)).json()["readable"], posts.status_code, feed.status_code


@pytest.mark.parametrize("who", VIEWERS)
def test_readable_says_whether_the_posts_and_the_feed_answer(world, who):
    """The hub shows a group's posts, or says they are for its members, by `readable` alone."""
    if world.client(who).get(group_url(world.group.pk)).status_code == 404:
        assert world.group.visibility == Visibility.SECRET and who not in ROLES
        return  # a secret group's outsiders know nothing of it, nor read anything
    readable, posts, feed = readable_and_reads(world.client(who), world.group.pk)

    refused = 401 if who == "anonymous" else 403
    assert (posts, feed) == ((200, 200) if readable else (refused, refused))
    assert readable == (who in ROLES or world.group.visibility == Visibility.PUBLIC)


def test_an_invitee_knows_a_closed_group_but_may_not_read_it(closed_world):
    invitee = UserFactory()
    invitation_create(
        actor=closed_world.user("owner"), group=closed_world.group, user_id=invitee.pk
    )

    assert readable_and_reads(client_for(invitee), closed_world.group.pk) == (False, 403, 403)


@pytest.mark.parametrize("group_id", [HUGE_ID, LARGEST_ROUTED_ID, "0", "abc", "-1", "1.5"])
def test_retrieve_an_impossible_id_is_a_404(public_world, group_id):
    assert public_world.client("owner").get(group_url(group_id)).status_code == 404


def test_archived_group_is_gone_even_for_its_owner(public_world):
    group_archive(actor=public_world.user("owner"), group=public_world.group)

    response = public_world.client("owner").get(group_url(public_world.group.pk))

    assert response.status_code == 404


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), *((who, 201) for who in ("outsider", "banned", *ROLES))],
)
def test_create(public_world, who, expected):
    before = db_state()

    response = public_world.client(who).post(
        groups_url(), {"name": "Night Owls", "visibility": "private"}, format="json"
    )

    assert response.status_code == expected
    if expected != 201:
        assert db_state() == before
        return
    creator = public_world.user(who)
    group = Group.objects.get(pk=response.json()["id"])
    assert (group.name, group.slug, group.visibility, group.member_count, group.created_by) == (
        "Night Owls",
        "night-owls",
        "private",
        1,
        creator,
    )
    assert roles(group) == {creator.username: "owner"}
    owner = Membership.objects.get(group=group)
    assert response.json() == {
        "id": group.pk,
        "name": "Night Owls",
        "slug": "night-owls",
        "description": "",
        "visibility": "private",
        "member_count": 1,
        "created_at": when(group.created_at),
        "membership": {"role": "owner", "joined_at": when(owner.created_at)},
        "join_request_pending": False,
        "invited": False,
        "tags": [],
        "permissions": PERMISSIONS["owner"],
        "banned": None,
        "readable": True,
        "joins_at_once": False,
    }


def test_create_defaults_to_public_and_derives_a_free_slug(public_world):
    client = public_world.client("outsider")

    first = client.post(groups_url(), {"name": "Book Club"}, format="json")
    second = client.post(groups_url(), {"name": "Book Club", "description": "Again"}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert [
        (g["slug"], g["visibility"], g["description"]) for g in (first.json(), second.json())
    ] == [
        ("book-club", "public", ""),
        ("book-club-2", "public", "Again"),
    ]


def test_create_secret_group_is_seen_by_its_creator_only(public_world):
    response = public_world.client("outsider").post(
        groups_url(), {"name": "Hideout", "visibility": "secret"}, format="json"
    )

    assert response.status_code == 201
    group_id = response.json()["id"]
    assert public_world.client("outsider").get(group_url(group_id)).status_code == 200
    assert public_world.client("member").get(group_url(group_id)).status_code == 404
    assert public_world.client("anonymous").get(group_url(group_id)).status_code == 404


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 101}, {"name": ["Ensure this field has no more than 100 characters."]}),
        (
            {"name": "Club", "visibility": "hidden"},
            {"visibility": ['"hidden" is not a valid choice.']},
        ),
        (
            {"name": "Club", "slug": "not a slug"},
            {
                "slug": [
                    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
                ]
            },
        ),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(public_world, payload, errors):
    before = db_state()

    response = public_world.client("outsider").post(groups_url(), payload, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert db_state() == before


def test_create_refuses_a_taken_slug_and_changes_nothing(public_world):
    before = db_state()

    response = public_world.client("outsider").post(
        groups_url(), {"name": "Mine", "slug": public_world.group.slug}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"slug": ["A group with this slug already exists."]}
    assert db_state() == before


# --- update ---------------------------------------------------------------------------------

UPDATE = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (403, 403, 403)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(("who", "expected"), UPDATE)
def test_update(world, method, who, expected):
    before = db_state()

    response = getattr(world.client(who), method)(
        group_url(world.group.pk), {"name": "Renamed", "description": "New words"}, format="json"
    )

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 200:
        assert db_state() == before
        return
    group = world.refresh()
    assert (group.name, group.description, group.member_count) == ("Renamed", "New words", 4)
    assert response.json() == group_body(world, who, 4)
    assert response.json()["name"] == "Renamed"


def test_update_ignores_server_controlled_fields(public_world):
    group = public_world.group

    response = public_world.client("admin").patch(
        group_url(group.pk),
        {"id": 1, "member_count": 1000, "created_at": "2000-01-01T00:00:00Z", "name": "N"},
        format="json",
    )

    assert response.status_code == 200
    after = public_world.refresh()
    assert (after.pk, after.member_count, after.created_at, after.name) == (
        group.pk,
        4,
        group.created_at,
        "N",
    )


def test_update_refuses_a_taken_slug_and_changes_nothing(public_world):
    taken = make_group(owner=UserFactory(), name="Taken")
    before = db_state()

    response = public_world.client("owner").patch(
        group_url(public_world.group.pk), {"slug": taken.slug}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"slug": ["A group with this slug already exists."]},
    )
    assert db_state() == before


def test_update_refuses_a_bad_visibility_and_changes_nothing(public_world):
    before = db_state()

    response = public_world.client("owner").patch(
        group_url(public_world.group.pk), {"visibility": "hidden"}, format="json"
    )

    assert response.status_code == 400
    assert db_state() == before


def test_making_a_group_secret_hides_it_from_non_members(public_world):
    response = public_world.client("admin").patch(
        group_url(public_world.group.pk), {"visibility": "secret"}, format="json"
    )

    assert response.status_code == 200
    for who in NON_MEMBERS:
        assert public_world.client(who).get(group_url(public_world.group.pk)).status_code == 404
        assert public_world.client(who).get(groups_url()).json()["results"] == []
    assert public_world.client("member").get(group_url(public_world.group.pk)).status_code == 200


# --- archive --------------------------------------------------------------------------------

ARCHIVE = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (204, 204, 204)),
    ("admin", (403, 403, 403)),
    ("moderator", (403, 403, 403)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), ARCHIVE)
def test_archive(world, who, expected):
    before = db_state()

    response = world.client(who).delete(group_url(world.group.pk))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 204:
        assert db_state() == before
        return
    group = world.refresh()
    assert group.archived_at is not None
    # Archiving is soft: every membership row stays, only the group is gone from the API.
    assert db_state_without(db_state(), "groups") == db_state_without(before, "groups")
    for viewer in ("owner", "member", "outsider"):
        assert world.client(viewer).get(group_url(group.pk)).status_code == 404
        assert world.client(viewer).get(groups_url()).json()["results"] == []
    assert world.client("owner").delete(group_url(group.pk)).status_code == 404


# --- join -----------------------------------------------------------------------------------

JOIN = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (201, 202, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (200, 200, 200)),
    ("member", (200, 200, 200)),
]


@pytest.mark.parametrize(("who", "expected"), JOIN)
def test_join(world, who, expected):
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).post(group_url(world.group.pk, "join/"))

    assert response.status_code == by_visibility(world, expected)
    user = world.user(who)
    if response.status_code == 201:
        membership = Membership.objects.get(group=world.group, user=user)
        assert response.json() == {
            "status": "member",
            "membership": membership_body(membership),
            "join_request": None,
        }
        assert roles(world.group) == {**before_roles, user.username: "member"}
        assert member_count(world.group) == 5
    elif response.status_code == 202:
        join_request = JoinRequest.objects.get(group=world.group, user=user, status="pending")
        assert response.json() == {
            "status": "requested",
            "membership": None,
            "join_request": join_request_body(join_request),
        }
        assert JoinRequest.objects.count() == 1
        assert db_state_without(db_state(), "join_requests") == db_state_without(
            before, "join_requests"
        )
    else:
        assert db_state() == before
        if response.status_code == 200:
            membership = Membership.objects.get(group=world.group, user=user)
            assert response.json() == {
                "status": "member",
                "membership": membership_body(membership),
                "join_request": None,
            }


def test_join_again_is_a_200_that_changes_nothing(world):
    client, group = world.client("outsider"), world.group
    if group.visibility == Visibility.SECRET:
        invitation_create(actor=world.user("owner"), group=group, user_id=world.user("outsider").pk)
    first = client.post(group_url(group.pk, "join/"))
    before = db_state()

    again = client.post(group_url(group.pk, "join/"))

    assert (first.status_code, again.status_code) == (by_visibility(world, (201, 202, 201)), 200)
    assert again.json() == first.json()
    assert db_state() == before


def test_pending_request_shows_on_the_group_for_the_applicant(private_world):
    client = private_world.client("outsider")
    client.post(group_url(private_world.group.pk, "join/"))

    body = client.get(group_url(private_world.group.pk)).json()

    assert (body["join_request_pending"], body["membership"], body["member_count"]) == (
        True,
        None,
        None,
    )
    assert body["joins_at_once"] is False  # joining asked: the button says "Ask to join"


def test_invitee_sees_the_group_and_joins_at_once(closed_world):
    world = closed_world
    outsider, client = world.user("outsider"), world.client("outsider")
    invited = world.client("moderator").post(
        group_url(world.group.pk, "invitations/"), {"user": outsider.pk}, format="json"
    )
    assert invited.status_code == 201

    detail = client.get(group_url(world.group.pk))
    assert detail.status_code == 200
    assert (detail.json()["invited"], detail.json()["member_count"]) == (True, None)
    assert detail.json()["joins_at_once"] is True
    assert [g["id"] for g in client.get(groups_url()).json()["results"]] == [world.group.pk]
    assert client.get(group_url(world.group.pk, "members/")).status_code == 403

    joined = client.post(group_url(world.group.pk, "join/"))

    assert joined.status_code == 201
    assert joined.json()["membership"]["user"] == summary(outsider)
    assert roles(world.group)[outsider.username] == "member"
    assert member_count(world.group) == 5
    assert Invitation.objects.get(pk=invited.json()["id"]).status == "accepted"
    assert not JoinRequest.objects.exists()
    body = client.get(group_url(world.group.pk)).json()
    assert (body["invited"], body["member_count"], body["membership"]["role"]) == (
        False,
        5,
        "member",
    )


def test_expired_ban_no_longer_blocks_joining(world):
    Ban.objects.filter(group=world.group, user=world.user("banned")).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = member_count(world.group)

    response = world.client("banned").post(group_url(world.group.pk, "join/"))

    # A secret group stays out of sight: the ban ended the invitation too.
    assert response.status_code == by_visibility(world, (201, 202, 404))
    assert member_count(world.group) == before + (response.status_code == 201)


def test_expired_ban_lets_a_secret_group_invite_again(secret_world):
    banned = secret_world.user("banned")
    Ban.objects.filter(group=secret_world.group, user=banned).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = secret_world.client("banned")
    assert client.post(group_url(secret_world.group.pk, "join/")).status_code == 404

    invited = secret_world.client("owner").post(
        group_url(secret_world.group.pk, "invitations/"), {"user": banned.pk}, format="json"
    )
    joined = client.post(group_url(secret_world.group.pk, "join/"))

    assert (invited.status_code, joined.status_code) == (201, 201)
    assert roles(secret_world.group)[banned.username] == "member"


# --- leave ----------------------------------------------------------------------------------

LEAVE = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (404, 404, 404)),
    ("banned", (404, 404, 404)),
    ("owner", (409, 409, 409)),
    ("admin", (204, 204, 204)),
    ("moderator", (204, 204, 204)),
    ("member", (204, 204, 204)),
]


@pytest.mark.parametrize(("who", "expected"), LEAVE)
def test_leave(world, who, expected):
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).post(group_url(world.group.pk, "leave/"))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 204:
        assert db_state() == before
        return
    del before_roles[world.user(who).username]
    assert roles(world.group) == before_roles
    assert member_count(world.group) == 3


def test_last_owner_cannot_leave_but_one_of_two_can(public_world):
    client = public_world.client("owner")
    refused = client.post(group_url(public_world.group.pk, "leave/"))
    assert (refused.status_code, refused.json()) == (
        409,
        {"detail": "A group must keep at least one owner; make someone else owner first."},
    )
    membership_change_role(
        actor=public_world.user("owner"),
        group=public_world.group,
        user_id=public_world.user("admin").pk,
        role="owner",
    )

    response = client.post(group_url(public_world.group.pk, "leave/"))

    assert response.status_code == 204
    assert roles(public_world.group) == {
        "public-admin": "owner",
        "public-moderator": "moderator",
        "public-member": "member",
    }
    assert member_count(public_world.group) == 3


def test_member_who_leaves_a_secret_group_loses_sight_of_it(secret_world):
    client = secret_world.client("member")

    assert client.post(group_url(secret_world.group.pk, "leave/")).status_code == 204
    assert client.get(group_url(secret_world.group.pk)).status_code == 404
    assert client.post(group_url(secret_world.group.pk, "join/")).status_code == 404


@pytest.mark.parametrize("action", ["join/", "leave/"])
@pytest.mark.parametrize("group_id", [HUGE_ID, LARGEST_ROUTED_ID, "abc"])
def test_join_and_leave_an_impossible_group_is_a_404(public_world, action, group_id):
    before = db_state()

    response = client_for(public_world.user("member")).post(group_url(group_id, action))

    assert response.status_code == 404
    assert db_state() == before


# --- what non-members can learn ---------------------------------------------------------------

# Every endpoint under groups/{id}/; {member}, {banned}, {outsider}, {request} and {invitation}
# stand for the ids of the world's member, banned user, outsider, a pending request and invitation.
ENDPOINTS = [
    ("get", "", None),
    ("patch", "", {"name": "Found you"}),
    ("put", "", {"name": "Found you"}),
    ("delete", "", None),
    ("post", "join/", None),
    ("post", "leave/", None),
    ("get", "members/", None),
    ("patch", "members/{member}/", {"role": "moderator"}),
    ("delete", "members/{member}/", None),
    ("get", "join-requests/", None),
    ("post", "join-requests/{request}/approve/", None),
    ("post", "join-requests/{request}/deny/", None),
    ("get", "bans/", None),
    ("post", "bans/", {"user": "{member}"}),
    ("delete", "bans/{banned}/", None),
    ("get", "invitations/", None),
    ("post", "invitations/", {"user": "{outsider}"}),
    ("delete", "invitations/{invitation}/", None),
]


def _call(world, who, method, group_id, suffix, body, ids):
    path = group_url(group_id, suffix.format(**ids))
    if body is not None:
        body = {
            key: int(str(value).format(**ids)) if "{" in str(value) else value
            for key, value in body.items()
        }
    return getattr(world.client(who), method)(path, body, format="json")


def _ids(world) -> dict:
    return {
        "member": world.user("member").pk,
        "banned": world.user("banned").pk,
        "outsider": world.user("outsider").pk,
        "request": pending_join_request(world).pk,
        "invitation": pending_invitation(world).pk,
    }


@pytest.mark.parametrize("who", NON_MEMBERS)
@pytest.mark.parametrize(("method", "suffix", "body"), ENDPOINTS)
def test_a_secret_group_answers_non_members_as_if_it_did_not_exist(
    secret_world, who, method, suffix, body
):
    ids = _ids(secret_world)
    missing = Group.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    before = db_state()

    secret = _call(secret_world, who, method, secret_world.group.pk, suffix, body, ids)
    absent = _call(secret_world, who, method, missing, suffix, body, ids)

    readable_by_anyone = method == "get" and suffix in ("", "members/")
    assert secret.status_code == (401 if who == "anonymous" and not readable_by_anyone else 404)
    assert (secret.status_code, secret.json()) == (absent.status_code, absent.json())
    content = secret.content.decode()
    assert secret_world.group.name not in content and secret_world.group.slug not in content
    assert db_state() == before


@pytest.mark.parametrize("who", NON_MEMBERS)
def test_a_private_group_shows_non_members_none_of_its_members(private_world, who):
    ids = _ids(private_world)
    client = private_world.client(who)
    # Quoted, as a username appears in JSON (the group's name holds its owner's name unquoted).
    member_names = [f'"{u.username}"' for u in private_world.users.values() if u] + [
        '"private-applicant"',
        '"private-invitee"',
    ]

    responses = [
        _call(private_world, who, "get", private_world.group.pk, suffix, None, ids)
        for method, suffix, _ in ENDPOINTS
        if method == "get"
    ] + [client.get(groups_url())]

    for response in responses:
        assert response.status_code in (200, 401, 403), response.request
        content = response.content.decode()
        assert not [name for name in member_names if name in content], response.request
    detail, listed = responses[0].json(), responses[-1].json()["results"][0]
    assert detail["member_count"] is None and listed["member_count"] is None
    assert detail == listed


@pytest.mark.parametrize(("method", "suffix", "body"), ENDPOINTS)
def test_impossible_ids_are_a_404_never_a_500(private_world, method, suffix, body):
    ids = _ids(private_world)
    before = db_state()

    for bad in (HUGE_ID, "abc", "1e3", "-1", " 1"):
        on_group = _call(private_world, "owner", method, bad, suffix, body, ids)
        assert on_group.status_code == 404, bad
        if "{" in suffix:
            nested = _call(
                private_world,
                "owner",
                method,
                private_world.group.pk,
                suffix,
                body,
                dict.fromkeys(ids, bad),
            )
            assert nested.status_code == 404, bad
    assert db_state() == before


def test_a_banned_person_sees_the_ban_and_its_end_before_joining(private_world):
    ends = timezone.now() + timedelta(days=3)
    Ban.objects.filter(group=private_world.group).update(reason="", expires_at=ends)
    client = private_world.client("banned")

    listed = client.get(groups_url()).json()["results"][0]
    one = client.get(group_url(private_world.group.pk)).json()

    assert listed["banned"] == one["banned"] == {"reason": "", "expires_at": when(ends)}
    assert (one["permissions"], one["membership"]) == ([], None)
    assert (
        private_world.client("outsider").get(group_url(private_world.group.pk)).json()["banned"]
        is None
    )


def test_an_expired_ban_is_no_longer_shown(public_world):
    Ban.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    one = public_world.client("banned").get(group_url(public_world.group.pk)).json()

    assert one["banned"] is None
