"""GET notifications/: the inbox. Every item as the recipient may still see it (the read rules of
notifications.selectors, for every type and standing, and after a change of standing), grouped
items with their newest actors, filters, pages in a fixed number of queries, and nobody else's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Visibility
from communities.services.blocks import block_set
from communities.services.comments import comment_delete, comment_hide
from communities.services.groups import group_update
from communities.services.membership import group_leave, membership_ban, membership_remove
from communities.services.posts import post_hide, post_restore
from notifications.models import Notification
from notifications.types import TYPES, NotificationType, Reads
from tests.api.helpers import when
from tests.factories import UserFactory
from tests.fixtures import ROLES, VIEWERS, client_for, make_comment, make_post
from tests.notifications.helpers import INBOX, inbox_ids, make_notification, unread_types

pytestmark = pytest.mark.django_db

T = NotificationType


def every_type_for(world, recipient, *, actor) -> dict[str, Notification]:
    """One item of every type for `recipient`, about the world's group, a post and a comment
    of it, as the consumer would write each."""
    post = make_post(group=world.group, author=world.user("member"), title="Hello")
    comment = make_comment(post=post, author=world.user("admin"))
    about = {
        Reads.CONTENT: {"post": post, "comment": comment},
        Reads.OWN_CONTENT: {"post": post},
        Reads.GROUP: {"group": world.group},
        Reads.MODERATION: {"group": world.group},
        Reads.NOTHING: {"group": world.group},
    }
    return {
        str(kind): make_notification(recipient, kind, actors=[actor], **about[spec.reads])
        for kind, spec in TYPES.items()
    }


def readable_types(world, who: str) -> set[str]:
    """The types an item of which `who` still sees, by the type table's reads: members read
    everything; others a public group's content, and know a public or private group exists;
    its moderators (admins and owners too) keep its queues."""
    member = who in ROLES
    reads = {
        Reads.CONTENT: member or world.group.visibility == Visibility.PUBLIC,
        Reads.OWN_CONTENT: member or world.group.visibility == Visibility.PUBLIC,
        Reads.GROUP: member or world.group.visibility != Visibility.SECRET,
        Reads.MODERATION: who in ("owner", "admin", "moderator"),
        Reads.NOTHING: True,
    }
    return {str(kind) for kind, spec in TYPES.items() if reads[spec.reads]}


@pytest.mark.parametrize("who", VIEWERS[1:])
def test_every_type_is_shown_to_every_standing_as_the_read_rules_say(world, who):
    recipient = world.user(who)
    items = every_type_for(world, recipient, actor=UserFactory(username="peer"))
    client = client_for(recipient)

    shown = client.get(INBOX, {"page_size": 100}).json()["results"]

    expected = readable_types(world, who)
    assert [item["type"] for item in shown] == [
        kind for kind in reversed(list(items)) if kind in expected
    ]  # newest first
    assert unread_types(client) == dict.fromkeys(expected, 1)


def test_an_item_says_what_it_is_about(public_world):
    member, admin = public_world.user("member"), public_world.user("admin")
    post = make_post(group=public_world.group, author=member, title="My post")
    comment = make_comment(post=post, author=admin, body="é" * 150 + " the rest")
    reply = make_notification(member, T.POST_REPLY, comment=comment, actors=[admin])
    banned = make_notification(member, T.BANNED, group=public_world.group, actors=[admin])
    role = make_notification(
        member, T.ROLE_CHANGED, group=public_world.group, actors=[admin], data={"role": "admin"},
        read=True,
    )  # fmt: skip
    report = make_notification(member, T.REPORT_RESOLVED, data={"outcome": "dismissed"})

    response = client_for(member).get(INBOX)

    group = {"id": public_world.group.pk, "name": public_world.group.name,
             "slug": public_world.group.slug}  # fmt: skip
    actor = {"id": admin.pk, "username": admin.username}
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": report.pk, "type": "report_resolved", "created_at": when(report.created_at),
                "updated_at": when(report.updated_at), "read": False, "count": 1, "actors": [],
                "group": None, "post": None, "comment": None, "data": {"outcome": "dismissed"},
                "path": "/notifications",
            },
            {
                "id": role.pk, "type": "role_changed", "created_at": when(role.created_at),
                "updated_at": when(role.updated_at), "read": True, "count": 1,
                "actors": [], "group": group, "post": None, "comment": None,
                "data": {"role": "admin"}, "path": f"/g/{public_world.group.pk}",
            },
            {
                "id": banned.pk, "type": "banned", "created_at": when(banned.created_at),
                "updated_at": when(banned.updated_at), "read": False, "count": 1,
                "actors": [], "group": group, "post": None, "comment": None, "data": {},
                "path": "/notifications",  # a ban is about you: the group's page is not yours
            },
            {
                "id": reply.pk, "type": "post_reply", "created_at": when(reply.created_at),
                "updated_at": when(reply.updated_at), "read": False, "count": 1,
                "actors": [actor], "group": group, "post": {"id": post.pk, "title": "My post"},
                "comment": {"id": comment.pk, "excerpt": "é" * 140}, "data": {},
                "path": f"/p/{post.pk}#comment-{comment.pk}",
            },
        ],
    }  # fmt: skip


def test_a_grouped_item_shows_its_count_and_its_three_newest_actors(public_world):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=member)
    actors = [UserFactory(username=f"fan{n}") for n in range(5)]  # newest first
    item = make_notification(
        member, T.REACTION, post=post, actors=actors, count=13, data={"kinds": ["like", "wow"]}
    )

    (shown,) = client_for(member).get(INBOX).json()["results"]

    assert shown["id"] == item.pk
    assert shown["count"] == 13
    assert shown["actors"] == [{"id": a.pk, "username": a.username} for a in actors[:3]]
    assert shown["data"] == {"kinds": ["like", "wow"]}


def test_an_actor_since_blocked_or_muted_or_deleted_is_left_out_of_a_peers_item(public_world):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=member)
    fans = [UserFactory(username=f"fan{n}") for n in range(5)]
    make_notification(member, T.REACTION, post=post, actors=fans, count=5)
    block_set(user=member, target=fans[1], kind="block")
    block_set(user=member, target=fans[2], kind="mute")
    fans[3].delete()

    (shown,) = client_for(member).get(INBOX).json()["results"]

    assert [actor["username"] for actor in shown["actors"]] == ["fan0", "fan4"]
    assert shown["count"] == 5  # what happened is unchanged; who is shown is the viewer's


def test_an_item_from_a_peer_since_blocked_or_muted_is_gone_a_moderators_decision_stays(
    public_world,
):
    member, moderator = public_world.user("member"), public_world.user("moderator")
    post = make_post(group=public_world.group, author=member)
    comment = make_comment(post=post, author=moderator)
    stranger = UserFactory(username="stranger")
    reply = make_notification(member, T.POST_REPLY, comment=comment, actors=[moderator])
    mention = make_notification(member, T.MENTION, post=post, actors=[stranger])
    hidden = make_notification(
        member, T.CONTENT_HIDDEN, post=post, actors=[moderator], data={"reason": "spam"}
    )
    client = client_for(member)
    assert inbox_ids(client) == [hidden.pk, mention.pk, reply.pk]

    block_set(user=member, target=moderator, kind="block")
    block_set(user=member, target=stranger, kind="mute")

    assert inbox_ids(client) == [hidden.pk]
    assert unread_types(client) == {"content_hidden": 1}
    assert client_for(public_world.user("owner")).get(INBOX).json()["results"] == []


def test_nobody_sees_anyone_elses_items(public_world):
    member, owner = public_world.user("member"), public_world.user("owner")
    mine = make_notification(member, T.BANNED, group=public_world.group)
    make_notification(owner, T.BANNED, group=public_world.group)
    make_notification(UserFactory(), T.REPORT_RESOLVED)

    assert inbox_ids(client_for(member)) == [mine.pk]
    assert inbox_ids(client_for(UserFactory())) == []


@pytest.fixture
def members_items(private_world):
    """The member's items of a private group: one of each read rule."""
    member = private_world.user("member")
    post = make_post(group=private_world.group, author=member)
    comment = make_comment(post=post, author=private_world.user("admin"))
    return private_world, {
        "reply": make_notification(member, T.POST_REPLY, comment=comment),
        "hidden": make_notification(member, T.CONTENT_HIDDEN, post=post),
        "role": make_notification(member, T.ROLE_CHANGED, group=private_world.group),
        "banned": make_notification(member, T.BANNED, group=private_world.group),
    }


def test_a_member_who_left_sees_nothing_of_the_groups_content(members_items):
    world, items = members_items
    member = world.user("member")

    group_leave(user=member, group=world.group)

    client = client_for(member)
    assert inbox_ids(client) == [items["banned"].pk, items["role"].pk]  # it still exists
    assert unread_types(client) == {"role_changed": 1, "banned": 1}


def test_a_member_removed_or_banned_sees_nothing_of_the_groups_content(members_items):
    world, items = members_items
    member, owner = world.user("member"), world.user("owner")

    membership_remove(actor=owner, group=world.group, user_id=member.pk)
    assert inbox_ids(client_for(member)) == [items["banned"].pk, items["role"].pk]

    membership_ban(actor=owner, group=world.group, user_id=member.pk, reason="spam")
    assert inbox_ids(client_for(member)) == [items["banned"].pk, items["role"].pk]


def test_a_group_made_secret_leaves_a_non_member_nothing_but_what_is_about_them(public_world):
    outsider, owner = public_world.user("outsider"), public_world.user("owner")
    post = make_post(group=public_world.group, author=owner)
    watched = make_notification(outsider, T.GROUP_POST, post=post)
    denied = make_notification(outsider, T.JOIN_REQUEST_DENIED, group=public_world.group)
    invitation = make_notification(outsider, T.INVITATION, group=public_world.group)
    client = client_for(outsider)
    assert inbox_ids(client) == [invitation.pk, denied.pk, watched.pk]

    group_update(actor=owner, group=public_world.group, visibility=Visibility.PRIVATE)
    assert inbox_ids(client) == [invitation.pk, denied.pk]

    group_update(actor=owner, group=public_world.group, visibility=Visibility.SECRET)
    assert inbox_ids(client) == [denied.pk]
    assert unread_types(client) == {"join_request_denied": 1}


def test_content_hidden_or_deleted_is_gone_but_the_author_still_hears_about_their_own(
    public_world,
):
    member, moderator = public_world.user("member"), public_world.user("moderator")
    post = make_post(group=public_world.group, author=member)
    comment = make_comment(post=post, author=moderator)
    other = make_comment(post=post, author=moderator)
    reply = make_notification(member, T.POST_REPLY, comment=comment)
    other_reply = make_notification(member, T.POST_REPLY, comment=other)
    hidden = make_notification(member, T.CONTENT_HIDDEN, post=post, data={"reason": "spam"})
    client = client_for(member)

    comment_delete(actor=moderator, comment=comment)
    assert inbox_ids(client) == [hidden.pk, other_reply.pk]

    comment_hide(actor=moderator, comment=other)
    assert inbox_ids(client) == [hidden.pk]

    post_hide(actor=moderator, post=post, reason="spam")
    assert inbox_ids(client) == [hidden.pk]
    assert reply.pk not in inbox_ids(client, type="post_reply")


# --- filters and pages --------------------------------------------------------------------------


@pytest.fixture
def mixed(public_world):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=member)
    rows = [
        make_notification(member, T.MENTION, post=post),
        make_notification(member, T.REACTION, post=post, read=True),
        make_notification(member, T.BANNED, group=public_world.group),
        make_notification(member, T.MENTION, post=post, read=True),
        make_notification(member, T.GROUP_POST, post=post),
    ]
    return client_for(member), [row.pk for row in rows]


@pytest.mark.parametrize(
    ("query", "positions"),
    [
        ({}, [4, 3, 2, 1, 0]),
        ({"type": "mention"}, [3, 0]),
        ({"type": ["mention", "banned"]}, [3, 2, 0]),
        ({"type": ["mention", "mention"]}, [3, 0]),
        ({"type": ""}, [4, 3, 2, 1, 0]),  # a blank type is no filter
        ({"unread": "true"}, [4, 2, 0]),
        ({"unread": "false"}, [4, 3, 2, 1, 0]),
        ({"unread": "true", "type": ["mention", "reaction"]}, [0]),
    ],
)
def test_items_are_filtered_by_type_and_unread(mixed, query, positions):
    client, ids = mixed

    assert inbox_ids(client, **query) == [ids[n] for n in positions]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"type": "nope"}, {"type": ['"nope" is not a notification type.']}),
        ({"type": ["mention", "Mention"]}, {"type": ['"Mention" is not a notification type.']}),
        ({"unread": "yes"}, {"unread": ['Must be "true" or "false".']}),
        ({"unread": ""}, {"unread": ['Must be "true" or "false".']}),
    ],
)
def test_a_bad_filter_is_a_400_in_drfs_shape(mixed, query, errors):
    client, _ids = mixed

    response = client.get(INBOX, query)

    assert (response.status_code, response.json()) == (400, errors)


def test_a_cursor_not_of_ours_is_a_404_as_every_list_answers_it(mixed):
    client, _ids = mixed

    response = client.get(INBOX, {"cursor": "garbage"})

    assert (response.status_code, response.json()) == (404, {"detail": "Invalid cursor"})


def test_pages_go_newest_first_and_follow_next(mixed):
    client, ids = mixed

    first = client.get(INBOX, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert [item["id"] for item in first["results"]] == [ids[4], ids[3]]
    assert [item["id"] for item in second["results"]] == [ids[2], ids[1]]
    assert [item["id"] for item in third["results"]] == [ids[0]]
    assert third["next"] is None
    assert [item["id"] for item in client.get(third["previous"]).json()["results"]] == [
        ids[2],
        ids[1],
    ]


@pytest.mark.parametrize("size", [1, 50])
def test_a_page_costs_the_same_queries_whatever_its_size(public_world, size):
    member = public_world.user("member")
    posts = [make_post(group=public_world.group, author=member) for _ in range(3)]
    fans = [UserFactory() for _ in range(4)]
    for n in range(size):
        post = posts[n % 3]
        make_notification(member, T.REACTION, post=post, actors=fans[n % 2 :], count=n + 1)
        comment = make_comment(post=post, author=public_world.user("admin"))
        make_notification(member, T.POST_REPLY, comment=comment, actors=fans[:1])
    client = client_for(member)
    assert client.get(INBOX).status_code == 200  # the token's record is in Redis from now on

    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX, {"page_size": size})

    assert len(response.json()["results"]) == size
    # the page (rows, group, post, comment excerpt, read rules) and the page's actors
    assert len(queries) == 2, [query["sql"][:120] for query in queries]


def test_an_empty_inbox_is_one_query(public_world, django_assert_num_queries):
    client = client_for(public_world.user("member"))
    client.get(INBOX)

    with django_assert_num_queries(1):
        assert client.get(INBOX).json() == {"next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "notifications/"),
        ("post", "notifications/read/"),
        ("get", "notifications/unread/"),
        ("get", "notifications/preferences/"),
        ("patch", "notifications/preferences/"),
    ],
)
def test_signed_out_is_a_401(public_world, method, path):
    make_notification(public_world.user("member"), T.REPORT_RESOLVED)

    response = getattr(client_for(None), method)(f"/api/communities/v1/{path}", {}, format="json")

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


def test_a_block_is_the_blockers_the_blocked_person_still_hears_from_them(public_world):
    member, admin = public_world.user("member"), public_world.user("admin")
    post = make_post(group=public_world.group, author=admin)
    comment = make_comment(post=post, author=member)
    to_admin = make_notification(admin, T.POST_REPLY, comment=comment, actors=[member])
    to_member = make_notification(member, T.MENTION, post=post, actors=[admin])

    block_set(user=member, target=admin, kind="block")

    assert inbox_ids(client_for(admin)) == [to_admin.pk]  # nothing changes for them
    assert inbox_ids(client_for(member)) == []
    assert to_member.pk in Notification.objects.values_list("pk", flat=True)  # hidden, kept


def test_an_item_about_you_alone_stops_naming_a_group_gone_secret(public_world):
    """A refused request, a ban, a report's outcome: the item stays, but the group's name and
    page once the person may no longer know the group exists (it went secret, then renamed)."""
    outsider, owner = public_world.user("outsider"), public_world.user("owner")
    group = public_world.group
    make_notification(outsider, T.JOIN_REQUEST_DENIED, group=group)
    shown = client_for(outsider).get(INBOX).json()["results"]
    assert [item["group"]["name"] for item in shown] == [group.name]

    group_update(actor=owner, group=group, visibility=Visibility.SECRET)
    group_update(actor=owner, group=group, name="Top secret plans")

    (item,) = client_for(outsider).get(INBOX).json()["results"]
    assert (item["type"], item["group"], item["path"]) == (
        "join_request_denied", None, "/notifications"
    )  # fmt: skip
    assert b"Top secret" not in client_for(outsider).get(INBOX).content


def test_a_moderators_decision_names_no_moderator(public_world):
    """Hiding, a ban, a role, a report's outcome: the decision is the group's (as its mail says
    "A moderator hid your post"); who took it is not shown to whom it concerns."""
    member, moderator = public_world.user("member"), public_world.user("moderator")
    post = make_post(group=public_world.group, author=member, title="Mine")
    kinds = [kind for kind, spec in TYPES.items() if not spec.from_peers]
    for kind in kinds:
        make_notification(member, kind, post=post, actors=[moderator])

    items = client_for(member).get(INBOX, {"page_size": 100}).json()["results"]

    assert sorted(item["type"] for item in items) == sorted(str(kind) for kind in kinds)
    assert [item["actors"] for item in items] == [[]] * len(kinds)
    assert b"public-moderator" not in client_for(member).get(INBOX).content


def test_an_item_about_your_comment_goes_while_its_post_is_hidden(private_world):
    """Your comment hidden by a moderator: the item shows while you may read the post it is on
    (not the title of a post hidden since, which its page would answer 404 for)."""
    member, owner = private_world.user("member"), private_world.user("owner")
    moderator = private_world.user("moderator")
    post = make_post(group=private_world.group, author=owner, title="Secret plan")
    comment = make_comment(post=post, author=member)
    hidden = make_notification(member, T.CONTENT_HIDDEN, comment=comment, data={"reason": "x"})
    client = client_for(member)
    assert inbox_ids(client) == [hidden.pk]

    post_hide(actor=moderator, post=post, reason="gone")
    assert client.get(f"/api/communities/v1/posts/{post.pk}/").status_code == 404
    assert inbox_ids(client) == []
    assert b"Secret plan" not in client.get(INBOX).content

    post_restore(actor=moderator, post=post)
    assert inbox_ids(client) == [hidden.pk]
