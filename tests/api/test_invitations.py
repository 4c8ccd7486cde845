"""groups/{id}/invitations/ and invitations/{id}/: moderators and up invite and revoke; the invitee
sees the group, joins it through join/ or declines."""

import pytest

from communities.models import Invitation, JoinRequest
from communities.services.membership import group_join, invitation_create
from tests.api.helpers import (
    HUGE_ID,
    LARGEST_ROUTED_ID,
    by_visibility,
    db_state,
    db_state_without,
    group_url,
    groups_url,
    invitation_body,
    member_count,
    page,
    pending_invitation,
    roles,
)
from tests.factories import UserFactory
from tests.fixtures import client_for, make_group


def invitations_url(world, suffix: str = "") -> str:
    return group_url(world.group.pk, f"invitations/{suffix}")


# --- list -----------------------------------------------------------------------------------

LIST = [
    # who          status (public, private, secret)   sees every pending invitation
    ("anonymous", (401, 401, 401), False),
    ("outsider", (200, 200, 404), False),
    ("banned", (200, 200, 404), False),
    ("owner", (200, 200, 200), True),
    ("admin", (200, 200, 200), True),
    ("moderator", (200, 200, 200), True),
    ("member", (200, 200, 200), False),
]


@pytest.mark.parametrize(("who", "expected", "sees_all"), LIST)
def test_list(world, who, expected, sees_all):
    pending = [] if world.group.visibility == "public" else [pending_invitation(world)]

    response = world.client(who).get(invitations_url(world))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code == 200:
        # Pending ones only: the accepted invitations that brought members in are not listed.
        expected_rows = [invitation_body(i) for i in pending] if sees_all else []
        assert response.json() == page(expected_rows)
    else:
        assert "invitee" not in response.content.decode()


def test_invitee_lists_only_their_own(closed_world):
    mine = pending_invitation(closed_world)
    pending_invitation(closed_world, "someone-else")

    response = client_for(mine.user).get(invitations_url(closed_world))

    assert (response.status_code, response.json()) == (200, page([invitation_body(mine)]))


# --- invite ---------------------------------------------------------------------------------

INVITE = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (400, 201, 201)),  # nobody needs an invitation to a public group
    ("admin", (400, 201, 201)),
    ("moderator", (400, 201, 201)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), INVITE)
def test_invite(world, who, expected):
    invitee = UserFactory(username="invitee")
    before = db_state()

    response = world.client(who).post(invitations_url(world), {"user": invitee.pk}, format="json")

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 201:
        assert db_state() == before
        if response.status_code == 400:
            assert response.json() == {
                "user": ["Anyone may join a public group; no invitation is needed."]
            }
        return
    invitation = Invitation.objects.get(group=world.group, user=invitee)
    assert (invitation.status, invitation.invited_by) == ("pending", world.user(who))
    assert response.json() == invitation_body(invitation)
    assert db_state_without(db_state(), "invitations") == db_state_without(before, "invitations")


@pytest.mark.parametrize("who", ["outsider", "banned", "member"])
@pytest.mark.parametrize("target", ["nobody", "member", "invitee"])
def test_who_may_not_invite_is_refused_before_the_request_is_judged(private_world, who, target):
    """A 400 or 409 would tell a stranger which users exist or belong; the refusal comes first."""
    user_id = {
        "nobody": LARGEST_ROUTED_ID,
        "member": private_world.user("member").pk,
        "invitee": UserFactory().pk,
    }[target]
    before = db_state()

    response = private_world.client(who).post(
        invitations_url(private_world), {"user": user_id}, format="json"
    )

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Your role in this group does not allow this action."},
    )
    assert db_state() == before


def test_inviting_again_returns_the_pending_invitation(closed_world):
    invitation = pending_invitation(closed_world)
    before = db_state()

    response = closed_world.client("moderator").post(
        invitations_url(closed_world), {"user": invitation.user_id}, format="json"
    )

    assert (response.status_code, response.json()) == (200, invitation_body(invitation))
    assert db_state() == before


@pytest.mark.parametrize(
    ("target", "status", "body"),
    [
        ("member", 409, {"detail": "That user is already a member of this group."}),
        ("owner", 409, {"detail": "That user is already a member of this group."}),
        ("banned", 409, {"detail": "That user is banned from this group; unban them first."}),
        (LARGEST_ROUTED_ID, 400, {"user": ["No such user."]}),
        (
            HUGE_ID,
            400,
            {"user": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        (0, 400, {"user": ["Ensure this value is greater than or equal to 1."]}),
        ("abc", 400, {"user": ["No such user."]}),  # a username, unknown as an id would be
        (None, 400, {"user": ["This field may not be null."]}),
    ],
)
def test_invite_refuses_and_changes_nothing(closed_world, target, status, body):
    user_id = closed_world.user(target).pk if target in closed_world.users else target
    if user_id == HUGE_ID:
        user_id = int(HUGE_ID)
    before = db_state()

    response = closed_world.client("moderator").post(
        invitations_url(closed_world), {"user": user_id}, format="json"
    )

    assert (response.status_code, response.json()) == (status, body)
    assert db_state() == before


def test_invite_without_a_user_is_a_400(closed_world):
    before = db_state()

    response = closed_world.client("owner").post(invitations_url(closed_world), {}, format="json")

    assert (response.status_code, response.json()) == (400, {"user": ["This field is required."]})
    assert db_state() == before


def test_secret_invitation_flow(secret_world):
    invitee = UserFactory(username="newcomer")
    client = client_for(invitee)
    group_id = secret_world.group.pk
    assert client.get(group_url(group_id)).status_code == 404
    assert client.post(group_url(group_id, "join/")).status_code == 404

    invited = secret_world.client("moderator").post(
        invitations_url(secret_world), {"user": invitee.pk}, format="json"
    )

    assert invited.status_code == 201
    detail = client.get(group_url(group_id)).json()
    assert (detail["id"], detail["invited"], detail["member_count"], detail["membership"]) == (
        group_id,
        True,
        None,
        None,
    )
    assert [g["id"] for g in client.get(groups_url()).json()["results"]] == [group_id]
    joined = client.post(group_url(group_id, "join/"))
    assert (joined.status_code, joined.json()["status"]) == (201, "member")
    assert roles(secret_world.group)["newcomer"] == "member"
    assert member_count(secret_world.group) == 5
    assert Invitation.objects.get(pk=invited.json()["id"]).status == "accepted"
    assert client.get(invitations_url(secret_world)).json() == page([])
    members = client.get(group_url(group_id, "members/"))
    assert members.status_code == 200
    assert members.json()["results"][0]["user"]["username"] == "newcomer"


# --- revoke and decline ---------------------------------------------------------------------

CANCEL = [
    # who          (public, private, secret)
    ("anonymous", (None, 401, 401)),
    ("outsider", (None, 403, 404)),
    ("banned", (None, 403, 404)),
    ("owner", (None, 204, 204)),
    ("admin", (None, 204, 204)),
    ("moderator", (None, 204, 204)),
    ("member", (None, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), CANCEL)
def test_revoke(closed_world, who, expected):
    invitation = pending_invitation(closed_world)
    before = db_state()

    response = closed_world.client(who).delete(invitations_url(closed_world, f"{invitation.pk}/"))

    assert response.status_code == by_visibility(closed_world, expected)
    invitation.refresh_from_db()
    if response.status_code != 204:
        assert db_state() == before
        assert invitation.status == "pending"
        return
    assert invitation.status == "revoked"
    assert invitation.responded_at is not None
    assert db_state_without(db_state(), "invitations") == db_state_without(before, "invitations")
    # Revoked: a secret group is out of the invitee's sight, a private one takes a request.
    joined = client_for(invitation.user).post(group_url(closed_world.group.pk, "join/"))
    assert joined.status_code == by_visibility(closed_world, (None, 202, 404))


def test_invitee_declines(closed_world):
    invitation = pending_invitation(closed_world)
    client = client_for(invitation.user)
    before_roles = roles(closed_world.group)

    response = client.delete(invitations_url(closed_world, f"{invitation.pk}/"))

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert roles(closed_world.group) == before_roles
    assert client.get(group_url(closed_world.group.pk)).status_code == (
        by_visibility(closed_world, (None, 200, 404))
    )


def test_an_invitee_cannot_revoke_someone_elses_invitation(closed_world):
    mine = pending_invitation(closed_world)
    theirs = pending_invitation(closed_world, "someone-else")
    before = db_state()

    response = client_for(mine.user).delete(invitations_url(closed_world, f"{theirs.pk}/"))

    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("status", ["accepted", "declined", "revoked"])
def test_an_answered_invitation_cannot_be_cancelled(closed_world, status):
    invitation = pending_invitation(closed_world)
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    before = db_state()

    response = closed_world.client("owner").delete(
        invitations_url(closed_world, f"{invitation.pk}/")
    )

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No pending invitation matches the given query."},
    )
    assert db_state() == before


@pytest.mark.parametrize("invitation_id", [LARGEST_ROUTED_ID, HUGE_ID, "0", "abc", "-1"])
def test_impossible_invitation_ids_are_a_404(closed_world, invitation_id):
    pending_invitation(closed_world)
    before = db_state()

    response = closed_world.client("owner").delete(
        invitations_url(closed_world, f"{invitation_id}/")
    )

    assert response.status_code == 404
    assert db_state() == before


def test_an_invitation_of_another_group_is_a_404(closed_world):
    stranger = UserFactory()
    other = make_group(owner=stranger, visibility=closed_world.group.visibility)
    foreign, _ = invitation_create(
        actor=stranger, group=other, user_id=closed_world.user("member").pk
    )
    before = db_state()

    # The owner may revoke here, and learns that no such invitation is pending here; a member may
    # not, whatever the id, so no id tells a member anything.
    for who, expected in (("owner", 404), ("member", 403)):
        response = closed_world.client(who).delete(invitations_url(closed_world, f"{foreign.pk}/"))
        assert response.status_code == expected, who
    assert db_state() == before


def test_joining_by_invitation_answers_the_users_earlier_join_request(private_world):
    applicant = UserFactory(username="applicant-then-invitee")
    group_join(user=applicant, group=private_world.group)  # a pending request
    invitation_create(
        actor=private_world.user("moderator"), group=private_world.group, user_id=applicant.pk
    )

    response = client_for(applicant).post(group_url(private_world.group.pk, "join/"))

    assert response.status_code == 201
    assert list(
        JoinRequest.objects.filter(group=private_world.group, user=applicant).values_list(
            "status", flat=True
        )
    ) == ["approved"]
    pending = private_world.client("moderator").get(
        group_url(private_world.group.pk, "join-requests/")
    )
    assert pending.json()["results"] == []
