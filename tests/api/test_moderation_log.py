"""The moderation log: every ban, unban, removal, role change and report decision, newest first,
for the group's moderators and up."""

import pytest

from communities.models import ModerationAction, ModerationLogEntry, Visibility
from communities.services.membership import (
    membership_ban,
    membership_change_role,
    membership_remove,
    membership_unban,
)
from communities.services.reports import report_dismiss, report_resolve
from divan.exceptions import PermissionDenied
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for, make_group
from tests.moderation_helpers import (
    API,
    MODERATION_STATUS,
    VIEWERS,
    add_author,
    log_rows,
    make_comment,
    make_post,
    moderation_log_url,
    report,
    user_summary,
)

pytestmark = pytest.mark.django_db

# What build_world (and add_author) leave in every group's log, newest first: two promotions and
# a ban; in a private or secret group, each newcomer's invitation too.
SETUP = [
    (ModerationAction.INVITE_USER, "{v}-owner", "{v}-author", ""),
    (ModerationAction.BAN_USER, "{v}-owner", "{v}-banned", "spam"),
    (ModerationAction.INVITE_USER, "{v}-owner", "{v}-banned", ""),
    (ModerationAction.INVITE_USER, "{v}-owner", "{v}-member", ""),
    (ModerationAction.CHANGE_ROLE, "{v}-owner", "{v}-moderator", "member -> moderator"),
    (ModerationAction.INVITE_USER, "{v}-owner", "{v}-moderator", ""),
    (ModerationAction.CHANGE_ROLE, "{v}-owner", "{v}-admin", "member -> admin"),
    (ModerationAction.INVITE_USER, "{v}-owner", "{v}-admin", ""),
]


def setup_rows(visibility: str) -> list[tuple]:
    rows = (
        SETUP
        if visibility != "public"
        else [row for row in SETUP if row[0] != ModerationAction.INVITE_USER]
    )
    return [tuple(part.format(v=visibility) for part in row) for row in rows]


@pytest.mark.parametrize("who", VIEWERS)
def test_moderation_log_by_every_standing(world, who):
    add_author(world)

    response = world.client(who).get(moderation_log_url(world.group))

    expected = MODERATION_STATUS[world.group.visibility][who]
    assert response.status_code == expected
    if expected != 200:
        assert "results" not in response.json()
        return
    rows = response.json()["results"]
    visibility = world.group.visibility
    assert [
        (row["action"], row["actor"]["username"], row["target_user"]["username"], row["reason"])
        for row in rows
    ] == setup_rows(visibility)
    ban = ModerationLogEntry.objects.get(action=ModerationAction.BAN_USER)
    ban_row = next(row for row in rows if row["action"] == "ban_user")
    assert ban_row.pop("created_at") is not None
    assert ban_row == {
        "id": ban.pk,
        "actor": user_summary(world.user("owner")),
        "action": "ban_user",
        "post": None,
        "comment": None,
        "report": None,
        "target_user": user_summary(world.user("banned")),
        "reason": "spam",
    }


def test_the_log_lists_exactly_the_moderation_actions_in_order(public_world):
    world = public_world
    add_author(world)
    group, author = world.group, world.user("author")
    post = make_post(group=group, author=author)
    comment = make_comment(post=post, author=author)
    on_post = report(reporter=world.user("member"), post=post)
    on_comment = report(reporter=world.user("member"), comment=comment)
    client = world.client("moderator")
    api = f"{API}/groups/{group.pk}"

    owner_client = world.client("owner")
    calls = [
        (client.post, f"{api}/reports/{on_comment.pk}/dismiss/", {"note": "banter"}, 200),
        (client.post, f"{api}/reports/{on_post.pk}/resolve/",
         {"hide_content": True, "note": "ads"}, 200),
        (client.post, f"{api}/bans/", {"user": author.pk, "reason": "ads again"}, 201),
        (client.delete, f"{api}/bans/{author.pk}/", None, 204),
        (owner_client.patch, f"{api}/members/{world.user('member').pk}/", {"role": "moderator"},
         200),
        (owner_client.delete, f"{api}/members/{world.user('admin').pk}/", None, 204),
    ]  # fmt: skip
    for method, url, data, expected in calls:
        assert method(url, data, format="json").status_code == expected

    response = client.get(moderation_log_url(group))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [
        (row["action"], row["actor"]["username"],
         row["target_user"]["username"] if row["target_user"] else None, row["reason"],
         row["post"], row["comment"], row["report"])
        for row in rows
    ] == [
        ("remove_member", "public-owner", "public-admin", "", None, None, None),
        ("change_role", "public-owner", "public-member", "member -> moderator", None, None, None),
        ("unban_user", "public-moderator", "public-author", "", None, None, None),
        ("ban_user", "public-moderator", "public-author", "ads again", None, None, None),
        ("resolve_report", "public-moderator", "public-author", "ads", post.pk, None, on_post.pk),
        ("hide_post", "public-moderator", "public-author", "ads", post.pk, None, on_post.pk),
        ("dismiss_report", "public-moderator", "public-author", "banter", None, comment.pk,
         on_comment.pk),
        *[(*row, None, None, None) for row in setup_rows("public")],
    ]  # fmt: skip


def test_each_group_sees_only_its_own_log(public_world):
    world = public_world
    other = make_group(owner=world.user("moderator"), name="Elsewhere")
    stranger = UserFactory(username="stranger")
    add_member(other, stranger)
    membership_ban(actor=world.user("moderator"), group=other, user_id=stranger.pk, reason="x")

    here = world.client("moderator").get(moderation_log_url(world.group)).json()["results"]
    there = world.client("moderator").get(moderation_log_url(other)).json()["results"]

    assert len(here) == 3
    assert [(row["action"], row["target_user"]["username"]) for row in there] == [
        ("ban_user", "stranger")
    ]
    assert world.client("owner").get(moderation_log_url(other)).status_code == 403


def test_unban_and_remove_are_logged_by_the_services(public_world):
    world = public_world
    group, owner = world.group, world.user("owner")

    membership_unban(actor=world.user("moderator"), group=group, user_id=world.user("banned").pk)
    membership_remove(actor=owner, group=group, user_id=world.user("moderator").pk)

    assert log_rows(group)[:2] == [
        ("remove_member", "public-owner", "public-moderator", ""),
        ("unban_user", "public-moderator", "public-banned", ""),
    ]


def test_role_change_to_the_same_role_logs_nothing(public_world):
    world = public_world
    before = log_rows(world.group)

    membership_change_role(
        actor=world.user("owner"),
        group=world.group,
        user_id=world.user("moderator").pk,
        role="moderator",
    )

    assert log_rows(world.group) == before


def test_refused_moderation_actions_log_nothing(public_world):
    world = public_world
    group, member = world.group, world.user("member")
    before = log_rows(group)
    api = f"{API}/groups/{group.pk}"
    client = world.client("member")
    moderator_client = world.client("moderator")

    owner_client = world.client("owner")
    calls = [
        (client.post, f"{api}/bans/", {"user": world.user("admin").pk}, 403),
        (moderator_client.post, f"{api}/bans/", {"user": world.user("admin").pk}, 403),
        (client.delete, f"{api}/bans/{world.user('banned').pk}/", None, 403),
        (moderator_client.delete, f"{api}/bans/{member.pk}/", None, 404),  # not banned
        (client.patch, f"{api}/members/{member.pk}/", {"role": "admin"}, 403),
        (owner_client.delete, f"{api}/members/{world.user('owner').pk}/", None, 409),
    ]
    for method, url, data, expected in calls:
        assert method(url, data, format="json").status_code == expected
    with pytest.raises(PermissionDenied):
        membership_ban(actor=member, group=group, user_id=world.user("outsider").pk)

    assert log_rows(group) == before


def test_closing_reports_through_the_services_is_logged(public_world):
    world = public_world
    add_author(world)
    post = make_post(group=world.group, author=world.user("author"))
    first = report(reporter=world.user("member"), post=post)
    second = report(reporter=world.user("outsider"), post=post)

    report_dismiss(actor=world.user("admin"), report=first, note="fine")
    report_resolve(actor=world.user("owner"), report=second)

    assert log_rows(world.group)[:2] == [
        ("resolve_report", "public-owner", "public-author", ""),
        ("dismiss_report", "public-admin", "public-author", "fine"),
    ]


def test_log_pages_are_exact_newest_first(public_world):
    world = public_world
    for n in range(6):
        user = UserFactory()
        membership_ban(actor=world.user("owner"), group=world.group, user_id=user.pk, reason=str(n))
    expected = list(
        ModerationLogEntry.objects.filter(group=world.group)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    client = world.client("admin")
    pages, url = [], moderation_log_url(world.group) + "?page_size=4"
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]

    assert [len(page) for page in pages] == [4, 4, 1]
    assert [entry for page in pages for entry in page] == expected


def test_log_costs_the_same_queries_for_any_page_size(public_world, django_assert_max_num_queries):
    world = public_world
    for _ in range(50):
        user = UserFactory()
        add_member(world.group, user)
        membership_ban(actor=world.user("moderator"), group=world.group, user_id=user.pk)
    client = world.client("moderator")
    for page_size in (1, 50):
        with django_assert_max_num_queries(4):
            response = client.get(moderation_log_url(world.group), {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


def test_a_removed_actor_serializes_as_null(public_world):
    world = public_world
    world.user("admin").delete()

    rows = world.client("moderator").get(moderation_log_url(world.group)).json()["results"]

    assert [row["target_user"] for row in rows][2] is None  # the admin's promotion
    assert all(row["actor"]["username"] == "public-owner" for row in rows)


def test_site_staff_do_not_see_the_log_through_the_api(public_world):
    staff = UserFactory(is_staff=True, is_superuser=True)

    assert client_for(staff).get(moderation_log_url(public_world.group)).status_code == 403


def test_secret_group_log_is_404_for_outsiders(secret_world):
    assert secret_world.group.visibility == Visibility.SECRET
    response = secret_world.client("outsider").get(moderation_log_url(secret_world.group))

    assert response.status_code == 404


def test_join_request_decisions_and_revoked_invitations_are_logged(private_world):
    from communities.services.membership import (
        group_join,
        invitation_cancel,
        invitation_create,
        join_request_approve,
        join_request_deny,
    )
    from tests.factories import UserFactory

    group, moderator = private_world.group, private_world.user("moderator")
    welcome, turned_away, uninvited = (UserFactory(username=n) for n in ("ann", "ben", "cat"))
    approved = group_join(user=welcome, group=group).join_request
    denied = group_join(user=turned_away, group=group).join_request
    join_request_approve(actor=moderator, group=group, request_id=approved.pk)
    join_request_deny(actor=moderator, group=group, request_id=denied.pk)
    invitation, _ = invitation_create(actor=moderator, group=group, user_id=uninvited.pk)
    invitation_cancel(actor=moderator, group=group, invitation_id=invitation.pk)

    assert log_rows(group)[:4] == [
        (ModerationAction.REVOKE_INVITATION, "private-moderator", "cat", ""),
        (ModerationAction.INVITE_USER, "private-moderator", "cat", ""),
        (ModerationAction.DENY_JOIN_REQUEST, "private-moderator", "ben", ""),
        (ModerationAction.APPROVE_JOIN_REQUEST, "private-moderator", "ann", ""),
    ]
