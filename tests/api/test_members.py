"""groups/{id}/members/ and members/{user_id}/: who sees members, changes roles and removes."""

import pytest

from communities.models import Membership
from communities.services.membership import membership_change_role
from tests.api.helpers import (
    HUGE_ID,
    LARGEST_ROUTED_ID,
    by_visibility,
    db_state,
    group_url,
    member_count,
    membership_body,
    page,
    roles,
    usernames,
)
from tests.factories import UserFactory


def member_url(world, who: str) -> str:
    return members_url(world, world.user(who).pk)


def members_url(world, user_id) -> str:
    return group_url(world.group.pk, f"members/{user_id}/")


# --- list -----------------------------------------------------------------------------------

LIST = [
    # who          (public, private, secret)
    ("anonymous", (200, 401, 404)),
    ("outsider", (200, 403, 404)),
    ("banned", (200, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (200, 200, 200)),
    ("member", (200, 200, 200)),
]


@pytest.mark.parametrize(("who", "expected"), LIST)
def test_list(world, who, expected):
    response = world.client(who).get(group_url(world.group.pk, "members/"))

    assert response.status_code == by_visibility(world, expected)
    v = world.group.visibility
    if response.status_code == 200:
        # Newest first; the banned user's membership ended with the ban.
        assert usernames(response) == [f"{v}-member", f"{v}-moderator", f"{v}-admin", f"{v}-owner"]
        memberships = Membership.objects.filter(group=world.group).order_by("-pk")
        assert response.json() == page([membership_body(m) for m in memberships])
    else:
        # A refusal names no member.
        assert f"{v}-" not in response.content.decode()


def test_anonymous_is_asked_to_authenticate_for_a_private_groups_members(private_world):
    response = private_world.client("anonymous").get(group_url(private_world.group.pk, "members/"))

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert response["WWW-Authenticate"] == "Token"


def test_list_pages_by_page_size(public_world):
    client = public_world.client("outsider")

    first = client.get(group_url(public_world.group.pk, "members/"), {"page_size": 3})
    rest = client.get(first.json()["next"])

    assert usernames(first) == ["public-member", "public-moderator", "public-admin"]
    assert (usernames(rest), rest.json()["next"]) == (["public-owner"], None)


def test_member_details_are_not_routed(public_world):
    client = public_world.client("owner")

    assert client.get(member_url(public_world, "member")).status_code == 405
    assert client.put(member_url(public_world, "member"), {"role": "moderator"}).status_code == 405


# --- change a role --------------------------------------------------------------------------

CHANGE_ROLE = [
    # who          (public, private, secret): make the member a moderator
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (403, 403, 403)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), CHANGE_ROLE)
def test_change_role(world, who, expected):
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).patch(
        member_url(world, "member"), {"role": "moderator"}, format="json"
    )

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 200:
        assert db_state() == before
        return
    target = Membership.objects.get(group=world.group, user=world.user("member"))
    assert response.json() == membership_body(target)
    assert response.json()["role"] == "moderator"
    assert roles(world.group) == {**before_roles, target.user.username: "moderator"}
    assert member_count(world.group) == 4


ROLE_RULES = [
    # actor, target, new role, expected
    ("admin", "member", "moderator", 200),
    ("admin", "moderator", "member", 200),
    ("admin", "member", "member", 200),
    ("admin", "member", "admin", 403),  # an admin grants only roles below its own
    ("admin", "member", "owner", 403),
    ("admin", "moderator", "admin", 403),
    ("admin", "admin", "member", 403),  # itself: not a lower role
    ("admin", "owner", "member", 403),
    ("admin", "owner", "admin", 403),
    ("moderator", "member", "moderator", 403),
    ("moderator", "member", "member", 403),
    ("owner", "member", "admin", 200),
    ("owner", "member", "owner", 200),
    ("owner", "admin", "member", 200),
    ("owner", "moderator", "owner", 200),
    ("owner", "owner", "owner", 200),
    ("owner", "owner", "admin", 409),  # the last owner
    ("owner", "owner", "member", 409),
]


@pytest.mark.parametrize(("actor", "target", "role", "expected"), ROLE_RULES)
def test_role_rules(public_world, actor, target, role, expected):
    before = db_state()
    before_roles = roles(public_world.group)

    response = public_world.client(actor).patch(
        member_url(public_world, target), {"role": role}, format="json"
    )

    assert response.status_code == expected
    if expected == 200:
        assert roles(public_world.group) == {**before_roles, f"public-{target}": role}
        assert response.json()["role"] == role
    else:
        assert db_state() == before


def test_a_second_owner_may_demote_the_first(public_world):
    owner, admin = public_world.user("owner"), public_world.user("admin")
    membership_change_role(actor=owner, group=public_world.group, user_id=admin.pk, role="owner")

    demoted = public_world.client("admin").patch(
        member_url(public_world, "owner"), {"role": "member"}, format="json"
    )
    last = public_world.client("admin").patch(
        member_url(public_world, "admin"), {"role": "admin"}, format="json"
    )

    assert (demoted.status_code, last.status_code) == (200, 409)
    assert roles(public_world.group) == {
        "public-owner": "member",
        "public-admin": "owner",
        "public-moderator": "moderator",
        "public-member": "member",
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"role": ["This field is required."]}),
        ({"role": "king"}, {"role": ['"king" is not a valid choice.']}),
        ({"role": ""}, {"role": ['"" is not a valid choice.']}),
    ],
)
def test_change_role_refuses_bad_input_and_changes_nothing(public_world, payload, errors):
    before = db_state()

    response = public_world.client("owner").patch(
        member_url(public_world, "member"), payload, format="json"
    )

    assert (response.status_code, response.json()) == (400, errors)
    assert db_state() == before


@pytest.mark.parametrize("target", ["outsider", "banned"])
def test_change_role_of_a_non_member_is_a_404(world, target):
    before = db_state()

    response = world.client("owner").patch(
        member_url(world, target), {"role": "moderator"}, format="json"
    )

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "That user is not a member of this group."},
    )
    assert db_state() == before


@pytest.mark.parametrize("method", ["patch", "delete"])
@pytest.mark.parametrize(
    ("user_id", "expected"),
    [(LARGEST_ROUTED_ID, 404), (HUGE_ID, 404), ("0", 404), ("abc", 404), ("-1", 404)],
)
def test_impossible_member_ids(public_world, method, user_id, expected):
    before = db_state()

    response = getattr(public_world.client("owner"), method)(
        members_url(public_world, user_id), {"role": "moderator"}, format="json"
    )

    assert response.status_code == expected
    assert db_state() == before


def test_a_member_of_another_group_is_not_a_member_here(public_world):
    other = UserFactory()
    before = db_state()

    response = public_world.client("owner").delete(members_url(public_world, other.pk))

    assert response.status_code == 404
    assert db_state() == before


# --- remove ---------------------------------------------------------------------------------

REMOVE = [
    # who          (public, private, secret): remove the member
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (204, 204, 204)),
    ("admin", (204, 204, 204)),
    ("moderator", (403, 403, 403)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), REMOVE)
def test_remove(world, who, expected):
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).delete(member_url(world, "member"))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 204:
        assert db_state() == before
        return
    del before_roles[world.user("member").username]
    assert roles(world.group) == before_roles
    assert member_count(world.group) == 3
    # Removal is not a ban: the user may come back.
    assert world.client("member").post(group_url(world.group.pk, "join/")).status_code == (
        by_visibility(world, (201, 202, 404))
    )


REMOVE_RULES = [
    # actor, target, expected
    ("admin", "moderator", 204),
    ("admin", "admin", 403),  # itself: not a lower role
    ("admin", "owner", 403),
    ("moderator", "member", 403),
    ("moderator", "moderator", 403),
    ("member", "member", 403),
    ("owner", "admin", 204),
    ("owner", "moderator", 204),
    ("owner", "owner", 409),  # the last owner
]


@pytest.mark.parametrize(("actor", "target", "expected"), REMOVE_RULES)
def test_remove_rules(public_world, actor, target, expected):
    before = db_state()
    before_roles = roles(public_world.group)

    response = public_world.client(actor).delete(member_url(public_world, target))

    assert response.status_code == expected
    if expected == 204:
        del before_roles[f"public-{target}"]
        assert roles(public_world.group) == before_roles
        assert member_count(public_world.group) == 3
    else:
        assert db_state() == before


def test_an_owner_may_remove_another_owner(public_world):
    owner, admin = public_world.user("owner"), public_world.user("admin")
    membership_change_role(actor=owner, group=public_world.group, user_id=admin.pk, role="owner")

    response = public_world.client("admin").delete(member_url(public_world, "owner"))

    assert response.status_code == 204
    assert roles(public_world.group) == {
        "public-admin": "owner",
        "public-moderator": "moderator",
        "public-member": "member",
    }
    assert member_count(public_world.group) == 3
