"""groups/{id}/join-requests/ and {id}/approve/, {id}/deny/: moderators and up decide requests."""

import pytest

from communities.models import JoinRequest
from communities.services.membership import group_join
from tests.api.helpers import (
    HUGE_ID,
    LARGEST_ROUTED_ID,
    by_visibility,
    db_state,
    db_state_without,
    group_url,
    join_request_body,
    member_count,
    page,
    pending_join_request,
    roles,
)
from tests.fixtures import client_for, make_group


def requests_url(world, suffix: str = "") -> str:
    return group_url(world.group.pk, f"join-requests/{suffix}")


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
    join_request = pending_join_request(world)
    decided = pending_join_request(world, "decided")
    world.client("owner").post(requests_url(world, f"{decided.pk}/deny/"))

    response = world.client(who).get(requests_url(world))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code == 200:
        # Pending requests only: the denied one is gone from the list.
        assert response.json() == page([join_request_body(join_request)])
    else:
        assert "applicant" not in response.content.decode()


def test_list_holds_only_this_groups_requests(private_world):
    other = make_group(owner=private_world.user("outsider"), visibility="private")
    pending_join_request(private_world)
    group_join(user=private_world.user("member"), group=other)

    response = private_world.client("owner").get(requests_url(private_world))

    assert [r["user"]["username"] for r in response.json()["results"]] == ["private-applicant"]


# --- approve and deny -----------------------------------------------------------------------

DECIDE = [
    # who          (public, private, secret)
    ("anonymous", (401, 401, 401)),
    ("outsider", (403, 403, 404)),
    ("banned", (403, 403, 404)),
    ("owner", (200, 200, 200)),
    ("admin", (200, 200, 200)),
    ("moderator", (200, 200, 200)),
    ("member", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), DECIDE)
def test_approve(world, who, expected):
    join_request = pending_join_request(world)
    before = db_state()
    before_roles = roles(world.group)

    response = world.client(who).post(requests_url(world, f"{join_request.pk}/approve/"))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 200:
        assert db_state() == before
        return
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == ("approved", world.user(who))
    assert response.json() == join_request_body(join_request)
    assert response.json()["status"] == "approved"
    assert roles(world.group) == {**before_roles, join_request.user.username: "member"}
    assert member_count(world.group) == 5


@pytest.mark.parametrize(("who", "expected"), DECIDE)
def test_deny(world, who, expected):
    join_request = pending_join_request(world)
    before = db_state()

    response = world.client(who).post(requests_url(world, f"{join_request.pk}/deny/"))

    assert response.status_code == by_visibility(world, expected)
    if response.status_code != 200:
        assert db_state() == before
        return
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == ("denied", world.user(who))
    assert response.json() == join_request_body(join_request)
    assert response.json()["status"] == "denied"
    assert db_state_without(db_state(), "join_requests") == db_state_without(
        before, "join_requests"
    )


@pytest.mark.parametrize("first", ["approve", "deny"])
@pytest.mark.parametrize("second", ["approve", "deny"])
def test_deciding_a_decided_request_is_a_409_that_changes_nothing(private_world, first, second):
    join_request = pending_join_request(private_world)
    client = private_world.client("moderator")
    assert (
        client.post(requests_url(private_world, f"{join_request.pk}/{first}/")).status_code == 200
    )
    before = db_state()

    response = client.post(requests_url(private_world, f"{join_request.pk}/{second}/"))

    status = "approved" if first == "approve" else "denied"
    assert (response.status_code, response.json()) == (
        409,
        {"detail": f"This join request was already {status}."},
    )
    assert db_state() == before


def test_a_ban_denies_the_pending_request(private_world):
    join_request = pending_join_request(private_world)
    client = private_world.client("moderator")

    banned = client.post(
        group_url(private_world.group.pk, "bans/"), {"user": join_request.user_id}, format="json"
    )
    before = db_state()
    response = client.post(requests_url(private_world, f"{join_request.pk}/approve/"))

    assert (banned.status_code, response.status_code) == (201, 409)
    assert db_state() == before
    assert client.get(requests_url(private_world)).json()["results"] == []


def test_approved_applicant_sees_the_members(private_world):
    join_request = pending_join_request(private_world)
    applicant = client_for(join_request.user)
    members_url = group_url(private_world.group.pk, "members/")
    assert applicant.get(members_url).status_code == 403

    private_world.client("admin").post(requests_url(private_world, f"{join_request.pk}/approve/"))

    assert applicant.get(members_url).status_code == 200
    assert applicant.get(group_url(private_world.group.pk)).json()["member_count"] == 5


def test_a_request_of_another_group_is_a_404(private_world):
    other = make_group(owner=private_world.user("outsider"), visibility="private")
    foreign = group_join(user=private_world.user("member"), group=other).join_request
    before = db_state()

    for decision in ("approve", "deny"):
        response = private_world.client("owner").post(
            requests_url(private_world, f"{foreign.pk}/{decision}/")
        )
        assert response.status_code == 404
    assert db_state() == before
    assert JoinRequest.objects.get(pk=foreign.pk).status == "pending"


@pytest.mark.parametrize("decision", ["approve", "deny"])
@pytest.mark.parametrize("request_id", [LARGEST_ROUTED_ID, HUGE_ID, "0", "abc", "-1"])
def test_impossible_request_ids_are_a_404(private_world, decision, request_id):
    pending_join_request(private_world)
    before = db_state()

    response = private_world.client("owner").post(
        requests_url(private_world, f"{request_id}/{decision}/")
    )

    assert response.status_code == 404
    assert db_state() == before


def test_decisions_are_posts_only(private_world):
    join_request = pending_join_request(private_world)
    client = private_world.client("owner")
    before = db_state()

    assert client.get(requests_url(private_world, f"{join_request.pk}/approve/")).status_code == 405
    assert client.get(requests_url(private_world, f"{join_request.pk}/")).status_code == 404
    assert client.delete(requests_url(private_world, f"{join_request.pk}/")).status_code == 404
    assert db_state() == before
