"""What the API tests share: URLs, the expected shapes, and a snapshot of every membership row."""

from rest_framework import serializers

from communities.models import Ban, Group, Invitation, JoinRequest, Membership, Visibility
from communities.services.groups import group_update
from communities.services.membership import group_join, invitation_create
from tests.factories import UserFactory

API = "/api/communities/v1"
HUGE_ID = "99999999999999999999"  # 20 digits: more than a bigint holds
LARGEST_ROUTED_ID = "999999999999999999"  # 18 digits: routed, fits a bigint, matches nothing
NON_MEMBERS = ("anonymous", "outsider", "banned")


def concrete(path: str, rows: dict) -> str:
    """The schema's path template with each {parameter} taken from the segment before it: the
    id in `rows` under that resource's name. Join requests and invitations take their group
    from rows["closed"] when there is one (a private group's rows, beside a public group)."""
    segments = path.strip("/").split("/")
    for n, segment in enumerate(segments):
        if segment.startswith("{"):
            resource = segments[n - 1]
            if (
                resource == "groups"
                and "closed" in rows
                and any(s in segments for s in ("join-requests", "invitations"))
            ):
                resource = "closed"
            segments[n] = str(rows[resource])
    return "/" + "/".join(segments) + "/"


def schema_paths() -> list[str]:
    """Every path template of the OpenAPI schema."""
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return list(schema.json()["paths"])


def groups_url() -> str:
    return f"{API}/groups/"


def group_url(group_id, suffix: str = "") -> str:
    return f"{API}/groups/{group_id}/{suffix}"


def by_visibility(world, expected: tuple):
    """Pick from a (public, private, secret) triple the value for this world's group."""
    public, private, secret = expected
    return {Visibility.PUBLIC: public, Visibility.PRIVATE: private, Visibility.SECRET: secret}[
        world.group.visibility
    ]


def when(value) -> str | None:
    """A datetime as the API renders it."""
    return None if value is None else serializers.DateTimeField().to_representation(value)


def summary(user) -> dict:
    return {"id": user.pk, "username": user.username, "reputation": user.reputation}


def page(results: list) -> dict:
    """A one-page cursor-paginated body."""
    return {"next": None, "previous": None, "results": results}


def usernames(response) -> list[str]:
    return [row["user"]["username"] for row in response.json()["results"]]


def db_state() -> dict:
    """Every row that says who belongs where, to compare before and after a refused write."""
    return {
        "groups": list(
            Group.objects.order_by("pk").values_list(
                "pk",
                "name",
                "slug",
                "description",
                "visibility",
                "member_count",
                "archived_at",
                "updated_at",
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "pk", "group_id", "user__username", "role", "created_at"
            )
        ),
        "bans": list(
            Ban.objects.order_by("pk").values_list(
                "pk",
                "group_id",
                "user__username",
                "banned_by__username",
                "reason",
                "expires_at",
                "created_at",
            )
        ),
        "join_requests": list(
            JoinRequest.objects.order_by("pk").values_list(
                "pk", "group_id", "user__username", "status", "decided_by__username", "decided_at"
            )
        ),
        "invitations": list(
            Invitation.objects.order_by("pk").values_list(
                "pk",
                "group_id",
                "user__username",
                "invited_by__username",
                "status",
                "responded_at",
            )
        ),
    }


def db_state_without(state: dict, table: str) -> dict:
    """The snapshot but one table: to check that a write touched that table and no other."""
    return {name: rows for name, rows in state.items() if name != table}


def roles(group) -> dict[str, str]:
    """Every member of the group by username, with their role."""
    return dict(Membership.objects.filter(group=group).values_list("user__username", "role"))


def member_count(group) -> int:
    group.refresh_from_db(fields=["member_count"])
    return group.member_count


def pending_join_request(world, username: str = "applicant") -> JoinRequest:
    """A pending request from a new user. Requests are made while a group is private; public and
    secret groups keep the ones made before they changed visibility."""
    applicant = UserFactory(username=f"{world.group.visibility}-{username}")
    owner, visibility = world.user("owner"), world.group.visibility
    if visibility != Visibility.PRIVATE:
        group_update(actor=owner, group=world.group, visibility=Visibility.PRIVATE)
    outcome = group_join(user=applicant, group=world.refresh())
    if visibility != Visibility.PRIVATE:
        group_update(actor=owner, group=world.group, visibility=visibility)
    world.refresh()
    assert outcome.join_request is not None
    return outcome.join_request


def pending_invitation(world, username: str = "invitee") -> Invitation:
    """A pending invitation, sent by the owner to a new user, of a private or secret group."""
    invitee = UserFactory(username=f"{world.group.visibility}-{username}")
    invitation, _ = invitation_create(
        actor=world.user("owner"), group=world.group, user_id=invitee.pk
    )
    return invitation


def membership_body(membership: Membership) -> dict:
    return {
        "user": summary(membership.user),
        "role": membership.role,
        "joined_at": when(membership.created_at),
    }


def join_request_body(join_request: JoinRequest) -> dict:
    join_request.refresh_from_db()
    return {
        "id": join_request.pk,
        "group": join_request.group_id,
        "user": summary(join_request.user),
        "status": join_request.status,
        "created_at": when(join_request.created_at),
        "decided_at": when(join_request.decided_at),
    }


def ban_body(ban: Ban) -> dict:
    return {
        "user": summary(ban.user),
        "reason": ban.reason,
        "expires_at": when(ban.expires_at),
        "banned_by": summary(ban.banned_by),
        "created_at": when(ban.created_at),
    }


def invitation_body(invitation: Invitation) -> dict:
    invitation.refresh_from_db()
    return {
        "id": invitation.pk,
        "group": invitation.group_id,
        "user": summary(invitation.user),
        "invited_by": summary(invitation.invited_by),
        "status": invitation.status,
        "created_at": when(invitation.created_at),
    }
