"""POST notifications/read/ and GET notifications/unread/: marking one's own items read, up to an
id or by ids, and the unread count the bell polls: capped, by type, of readable items only, in
one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Visibility
from communities.services.blocks import block_set
from communities.services.groups import group_update
from notifications import selectors, unread
from notifications.models import Notification
from notifications.selectors import unread_count
from notifications.types import TYPES, NotificationType
from tests.factories import UserFactory
from tests.fixtures import client_for, make_post
from tests.notifications.helpers import INBOX, READ, UNREAD, make_notification, unread_types

pytestmark = pytest.mark.django_db

T = NotificationType
ZEROS = {str(kind): 0 for kind in TYPES}


def read_state() -> dict[int, bool]:
    return dict(
        (pk, read_at is not None)
        for pk, read_at in Notification.objects.values_list("pk", "read_at")
    )


@pytest.fixture
def inbox(public_world):
    """The member's five items (the second already read), and another person's two."""
    member, owner = public_world.user("member"), public_world.user("owner")
    post = make_post(group=public_world.group, author=owner)
    mine = [
        make_notification(member, T.MENTION, post=post),
        make_notification(member, T.REACTION, post=post, read=True),
        make_notification(member, T.GROUP_POST, post=post),
        make_notification(owner, T.MENTION, post=post),  # between the member's ids
        make_notification(member, T.BANNED, group=public_world.group),
        make_notification(member, T.MENTION, post=post),
    ]
    theirs = [mine.pop(3), make_notification(owner, T.BANNED, group=public_world.group)]
    return public_world, client_for(member), [row.pk for row in mine], [row.pk for row in theirs]


def test_up_to_marks_the_viewers_unread_items_up_to_that_id(inbox):
    _world, client, mine, _theirs = inbox
    before = read_state()

    response = client.post(READ, {"up_to": mine[2]}, format="json")

    assert (response.status_code, response.json()) == (200, {"marked": 2})  # 0 and 2
    assert read_state() == {**before, mine[0]: True, mine[2]: True}
    assert unread_types(client) == {"banned": 1, "mention": 1}
    assert [item["read"] for item in client.get(INBOX).json()["results"]] == [
        False, False, True, True, True,
    ]  # fmt: skip


def test_up_to_past_every_id_marks_all_and_again_marks_none(inbox):
    _world, client, mine, theirs = inbox

    assert client.post(READ, {"up_to": theirs[-1] + 100}, format="json").json() == {"marked": 4}
    assert client.post(READ, {"up_to": theirs[-1] + 100}, format="json").json() == {"marked": 0}
    assert read_state() == {**dict.fromkeys(mine, True), **dict.fromkeys(theirs, False)}


def test_ids_mark_those_of_the_viewer_and_leave_anyone_elses_alone(inbox):
    _world, client, mine, theirs = inbox
    before = read_state()

    response = client.post(READ, {"ids": [mine[4], mine[1], *theirs, 999_999_999]}, format="json")

    assert (response.status_code, response.json()) == (200, {"marked": 1})
    assert read_state() == {**before, mine[4]: True}


def test_the_other_person_cannot_mark_the_viewers_items(inbox):
    world, _client, mine, theirs = inbox
    owner = client_for(world.user("owner"))
    before = read_state()

    assert owner.post(READ, {"ids": mine}, format="json").json() == {"marked": 0}
    assert read_state() == before
    assert owner.post(READ, {"up_to": 10**12}, format="json").json() == {"marked": 2}
    assert read_state() == {**before, **dict.fromkeys(theirs, True)}


def test_an_item_the_viewer_may_no_longer_see_is_not_marked(public_world):
    outsider, owner = public_world.user("outsider"), public_world.user("owner")
    post = make_post(group=public_world.group, author=owner)
    gone = make_notification(outsider, T.GROUP_POST, post=post)
    kept = make_notification(outsider, T.JOIN_REQUEST_DENIED, group=public_world.group)
    group_update(actor=owner, group=public_world.group, visibility=Visibility.PRIVATE)
    client = client_for(outsider)

    assert client.post(READ, {"ids": [gone.pk, kept.pk]}, format="json").json() == {"marked": 1}
    assert read_state() == {gone.pk: False, kept.pk: True}


ONE_OF = {"non_field_errors": ['Give exactly one of "up_to" and "ids".']}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, ONE_OF),
        ({"up_to": 5, "ids": [1]}, ONE_OF),
        ({"up_to": 0}, {"up_to": ["Ensure this value is greater than or equal to 1."]}),
        ({"up_to": "x"}, {"up_to": ["A valid integer is required."]}),
        ({"up_to": 2**63}, {"up_to": [f"Ensure this value is less than or equal to {2**63 - 1}."]}),
        ({"up_to": None}, {"up_to": ["This field may not be null."]}),
        ({"ids": "1"}, {"ids": ['Expected a list of items but got type "str".']}),
        ({"ids": ["a"]}, {"ids": {"0": ["A valid integer is required."]}}),
        ({"ids": list(range(1, 102))},
         {"ids": ["Ensure this field has no more than 100 elements."]}),
    ],
)  # fmt: skip
def test_a_bad_body_is_a_400_and_marks_nothing(inbox, body, errors):
    _world, client, _mine, _theirs = inbox
    before = read_state()

    response = client.post(READ, body, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert read_state() == before


def test_marking_is_one_statement_with_a_known_token(inbox, django_assert_num_queries):
    _world, client, mine, _theirs = inbox
    client.get(UNREAD)  # the token's record is in Redis from now on

    with django_assert_num_queries(1):
        assert client.post(READ, {"ids": mine}, format="json").json() == {"marked": 4}
    with django_assert_num_queries(1):
        assert client.post(READ, {"up_to": mine[-1]}, format="json").json() == {"marked": 0}


def test_no_ids_mark_nothing(inbox):
    _world, client, _mine, _theirs = inbox
    before = read_state()

    assert client.post(READ, {"ids": []}, format="json").json() == {"marked": 0}
    assert read_state() == before


# --- the unread count ---------------------------------------------------------------------------


def test_the_count_is_by_type_with_every_type_and_only_unread_items(inbox):
    _world, client, _mine, _theirs = inbox

    response = client.get(UNREAD)

    assert (response.status_code, response.json()) == (
        200,
        {
            "total": 4,
            "display": "4",
            "by_type": {**ZEROS, "mention": 2, "group_post": 1, "banned": 1},
        },
    )


@pytest.mark.parametrize(
    ("mentions", "reactions", "total", "display", "by_type"),
    [
        (0, 0, 0, "0", {}),
        (99, 0, 99, "99", {"mention": 99}),
        (100, 0, 100, "99+", {"mention": 100}),
        (130, 0, 100, "99+", {"mention": 100}),
        (60, 39, 99, "99", {"mention": 60, "reaction": 39}),
        (60, 40, 100, "99+", {"mention": 60, "reaction": 40}),
        (120, 110, 100, "99+", {"mention": 100, "reaction": 100}),
    ],
)
def test_counts_stop_at_100_and_show_99_plus_from_there(
    public_world, mentions, reactions, total, display, by_type
):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=public_world.user("owner"))
    for kind, many in ((T.MENTION, mentions), (T.REACTION, reactions)):
        Notification.objects.bulk_create(
            make_notification(member, kind, post=post, group_key=f"{kind}:{n}", save=False)
            for n in range(many)
        )

    response = client_for(member).get(UNREAD)

    assert response.json() == {"total": total, "display": display, "by_type": {**ZEROS, **by_type}}


def test_the_count_leaves_out_what_the_viewer_may_not_see_and_anyone_elses(public_world):
    member, owner = public_world.user("member"), public_world.user("owner")
    post = make_post(group=public_world.group, author=owner)
    peer = UserFactory()
    make_notification(member, T.MENTION, post=post, actors=[peer])
    make_notification(member, T.REACTION, post=post, actors=[owner])
    make_notification(owner, T.MENTION, post=post)
    block_set(user=member, target=peer, kind="mute")

    assert unread_types(client_for(member)) == {"reaction": 1}


def test_the_count_is_one_statement_then_none_while_nothing_changes(inbox):
    world, client, _mine, _theirs = inbox
    member = world.user("member")
    client.get(UNREAD)  # the token's record is in Redis from now on, and the count kept
    unread._bump([member.pk])  # as a change would: the next read reads PostgreSQL

    with CaptureQueriesContext(connection) as queries:
        response = client.get(UNREAD)
    with CaptureQueriesContext(connection) as kept:
        again = client.get(UNREAD)

    assert response.json()["total"] == again.json()["total"] == 4
    assert len(queries) == 1
    (statement,) = queries
    assert "GROUP BY" in statement["sql"] and "LIMIT 1000" in statement["sql"]
    assert len(kept) == 0


def test_the_statement_built_once_answers_as_the_orm_would_for_each_person(public_world):
    """The statement is compiled for a marked recipient once per process; each call puts the
    real recipient in: its answer is the ORM's, person by person."""
    owner = public_world.user("owner")
    post = make_post(group=public_world.group, author=owner)
    people = [public_world.user(who) for who in ("member", "outsider", "banned", "admin")]
    for n, person in enumerate(people):
        for kind in list(TYPES)[: n + 2]:
            make_notification(person, kind, post=post, group=public_world.group)
    group_update(actor=owner, group=public_world.group, visibility=Visibility.PRIVATE)
    selectors._unread_statement.cache_clear()

    for person in people:
        by_orm = dict(selectors._unread_rows(person))
        counted = unread_count(recipient=person)
        assert {kind: n for kind, n in counted.by_type.items() if n} == by_orm
    assert selectors._unread_statement.cache_info().misses == 1


def test_the_statement_reads_the_unread_partial_index(public_world):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=public_world.user("owner"))
    Notification.objects.bulk_create(
        make_notification(member, T.MENTION, post=post, group_key=f"m:{n}", save=False)
        for n in range(50)
    )
    sql, params, places = selectors._unread_statement()
    params = [member.pk if n in places else param for n, param in enumerate(params)]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "notification_unread" in plan, plan
