"""groups/{id}/bans/ and bans/{user_id}/: moderators and up ban users below them, and lift bans."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Ban, Invitation
from tests.api.helpers import (
    HUGE_ID,
    LARGEST_ROUTED_ID,
    ban_body,
    by_visibility,
    db_state,
    db_state_without,
    group_url,
    member_count,
    page,
    pending_invitation,
    roles,
    when,
)
from tests.factories import UserFactory
from tests.fixtures import make_group


def bans_url(world, suffix: str = "") -> str:
    return group_url(world.group.pk, f"bans/{suffix}")


def ban_url(world, who: str) -> str:
    return bans_url(world, f"{world.user(who).pk}/")


# --- list -----------------------------------------------------------------------------------

LIST = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (200, 200, 200)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), LIST)
def test_list(world, who, expected):
    response = world.client(who).get(bans_url(world))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code == 200:
        ban = Ban.objects.get(group=world.group)
        assert (ban.user, ban.banned_by, ban.reason) == (
            world.user("banned"),
            world.user("owner"),
            "spam",
        )
        assert response.json() == page([ban_body(ban)])
    else:
        assert "spam" not in response.content.decode()


def test_list_leaves_out_expired_bans(public_world):
    Ban.objects.filter(group=public_world.group).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = public_world.client("moderator").get(bans_url(public_world))

    assert (response.status_code, response.json()) == (200, page([]))


# --- ban ------------------------------------------------------------------------------------

BAN = [
    # who          (public, private, secret): ban the member
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (201, 201, 201)),
    ("admin", (201, 201, 201)),
    ("moderator", (201, 201, 201)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), BAN)
def test_ban(world, who, expected):
    target = world.user("member")
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).post(
        bans_url(world), {"user": target.pk, "reason": "trolling"}, format="json"
    )

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 201:
        assert db_state() == before
        return
    ban = Ban.objects.get(group=world.group, user=target)
    assert (ban.banned_by, ban.reason, ban.expires_at) == (world.user(who), "trolling", None)
    assert response.json() == ban_body(ban)
    # The ban ends the membership and the count goes down with it.
    del before_roles[target.username]
    assert roles(world.group) == before_roles
    assert member_count(world.group) == 3
    assert world.client("member").post(group_url(world.group.pk, "join/")).status_code == (
        by_visibility(world, (403, 403, 404))
    )


BAN_RULES = [
    # actor, target, expected
    ("moderator", "member", 201),
    ("moderator", "outsider", 201),  # not a member: banned before they ever join
    ("moderator", "moderator", 400),  # itself
    ("moderator", "admin", 403),
    ("moderator", "owner", 403),
    ("admin", "moderator", 201),
    ("admin", "admin", 400),
    ("admin", "owner", 403),
    ("owner", "admin", 201),
    ("owner", "owner", 400),
    ("member", "outsider", 403),
]


@pytest.mark.parametrize(("actor", "target", "expected"), BAN_RULES)
def test_ban_rules(public_world, actor, target, expected):
    target_user = public_world.user(target)
    was_member = target_user.username in roles(public_world.group)
    before = db_state()

    response = public_world.client(actor).post(
        bans_url(public_world), {"user": target_user.pk}, format="json"
    )

    assert response.status_code == expected
    if expected != 201:
        assert db_state() == before
        return
    assert target_user.username not in roles(public_world.group)
    assert member_count(public_world.group) == 4 - was_member
    assert Ban.objects.filter(group=public_world.group).count() == 2


def test_banning_oneself_says_why(public_world):
    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": public_world.user("moderator").pk}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"user": ["You cannot ban yourself."]})


def test_ban_until_a_time(public_world):
    target = public_world.user("member")
    until = timezone.now() + timedelta(days=7)

    response = public_world.client("moderator").post(
        bans_url(public_world), {"user": target.pk, "expires_at": until.isoformat()}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["expires_at"] == when(until)
    assert Ban.objects.get(group=public_world.group, user=target).expires_at == until
    join = group_url(public_world.group.pk, "join/")
    assert public_world.client("member").post(join).status_code == 403
    Ban.objects.filter(user=target).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert public_world.client("member").post(join).status_code == 201


def test_ban_revokes_pending_invitations(closed_world):
    invitation = pending_invitation(closed_world)

    response = closed_world.client("moderator").post(
        bans_url(closed_world), {"user": invitation.user_id}, format="json"
    )

    assert response.status_code == 201
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    assert member_count(closed_world.group) == 4


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"user": ["This field is required."]}),
        ({"user": None}, {"user": ["This field may not be null."]}),
        ({"user": "abc"}, {"user": ["No such user."]}),  # a username, unknown as an id would be
        ({"user": 1.5}, {"user": ["Give a user id or a username."]}),
        ({"user": 0}, {"user": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"user": int(HUGE_ID)},
            {"user": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"user": int(LARGEST_ROUTED_ID)}, {"user": ["No such user."]}),
        (
            {"member": True, "expires_at": "2000-01-01T00:00:00Z"},
            {"expires_at": ["The expiry must be in the future."]},
        ),
        (
            {"member": True, "expires_at": "tomorrow"},
            {
                "expires_at": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        (
            {"member": True, "reason": "x" * 501},
            {"reason": ["Ensure this field has no more than 500 characters."]},
        ),
    ],
)
def test_ban_refuses_bad_input_and_changes_nothing(public_world, payload, errors):
    if payload.pop("member", False):
        payload["user"] = public_world.user("member").pk
    before = db_state()

    response = public_world.client("moderator").post(bans_url(public_world), payload, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert db_state() == before


def test_expiry_a_moment_ago_is_refused(public_world):
    before = db_state()
    past = (timezone.now() - timedelta(seconds=1)).isoformat()

    response = public_world.client("owner").post(
        bans_url(public_world),
        {"user": public_world.user("member").pk, "expires_at": past},
        format="json",
    )

    assert response.status_code == 400
    assert db_state() == before


# --- unban ----------------------------------------------------------------------------------

UNBAN = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (204, 204, 204)),
    ("admin", (204, 204, 204)),
    ("moderator", (204, 204, 204)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), UNBAN)
def test_unban(world, who, expected):
    before = db_state()

    response = world.client(who).delete(ban_url(world, "banned"))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 204:
        assert db_state() == before
        return
    assert not Ban.objects.exists()
    assert db_state_without(db_state(), "bans") == db_state_without(before, "bans")
    # Unbanned is not a member again, but may come back (a secret group still needs an invite).
    assert world.client("banned").post(group_url(world.group.pk, "join/")).status_code == (
        by_visibility(world, (201, 202, 404))
    )


@pytest.mark.parametrize(
    "user_id", ["member", "outsider", "nobody", LARGEST_ROUTED_ID, HUGE_ID, "0", "abc"]
)
def test_unban_of_someone_not_banned_is_a_404(public_world, user_id):
    if user_id in ("member", "outsider"):
        user_id = public_world.user(user_id).pk
    elif user_id == "nobody":
        user_id = UserFactory().pk
    before = db_state()

    response = public_world.client("owner").delete(bans_url(public_world, f"{user_id}/"))

    assert response.status_code == 404
    assert db_state() == before


def test_a_ban_in_one_group_binds_only_there(public_world):
    other = make_group(owner=public_world.user("outsider"))

    response = public_world.client("banned").post(group_url(other.pk, "join/"))

    assert response.status_code == 201
    assert roles(other) == {"public-outsider": "owner", "public-banned": "member"}


@pytest.mark.parametrize("who", ["outsider", "banned", "member"])
@pytest.mark.parametrize(
    "payload",
    [
        {"user": "nobody"},
        {"user": "self"},
        {"user": "member", "expires_at": "2000-01-01T00:00:00Z"},
    ],
)
def test_who_may_not_ban_is_refused_before_the_request_is_judged(public_world, who, payload):
    """A 400 would tell a stranger which user ids exist; the refusal comes first."""
    user = {"nobody": LARGEST_ROUTED_ID, "self": public_world.user(who).pk}.get(payload["user"])
    payload = {**payload, "user": user or public_world.user(payload["user"]).pk}
    before = db_state()

    response = public_world.client(who).post(bans_url(public_world), payload, format="json")

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Your role in this group does not allow this action."},
    )
    assert db_state() == before
