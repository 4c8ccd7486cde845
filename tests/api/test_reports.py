"""Reports: filing one on visible content, the moderators' queue, resolving and dismissing."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from communities.models import (
    Comment,
    ModerationAction,
    ModerationLogEntry,
    Post,
    Report,
    ReportStatus,
    Visibility,
)
from communities.selectors.visibility import visible_comments, visible_posts
from communities.services.membership import group_leave, membership_change_role
from communities.services.reports import report_dismiss, report_resolve
from divan.exceptions import Conflict, PermissionDenied
from tests.factories import UserFactory
from tests.fixtures import World, add_member, build_world, client_for, make_group
from tests.moderation_helpers import (
    API,
    MODERATION_STATUS,
    REPORTS,
    VIEWERS,
    add_author,
    log_rows,
    make_comment,
    make_post,
    report,
    reports_url,
    user_summary,
)

pytestmark = pytest.mark.django_db

# Filing a report: anyone who can read the content, except users banned from its group.
CREATE_STATUS = {  # anonymous, outsider, banned, member, author, moderator, admin, owner
    Visibility.PUBLIC: dict(zip(VIEWERS, (401, 201, 403, 201, 201, 201, 201, 201), strict=True)),
    Visibility.PRIVATE: dict(zip(VIEWERS, (401, 404, 404, 201, 201, 201, 201, 201), strict=True)),
    Visibility.SECRET: dict(zip(VIEWERS, (401, 404, 404, 201, 201, 201, 201, 201), strict=True)),
}


@dataclass
class Scene:
    world: World
    post: Post
    comment: Comment

    @property
    def group(self):
        return self.world.group


@pytest.fixture
def scene(world) -> Scene:
    add_author(world)
    post = make_post(group=world.group, author=world.user("author"), body="Buy cheap watches")
    comment = make_comment(post=post, author=world.user("author"), body="Really cheap")
    return Scene(world=world, post=post, comment=comment)


@pytest.fixture
def public_scene(public_world) -> Scene:
    add_author(public_world)
    post = make_post(group=public_world.group, author=public_world.user("author"))
    comment = make_comment(post=post, author=public_world.user("author"))
    return Scene(world=public_world, post=post, comment=comment)


def post_json(client: APIClient, url: str, data=None, **headers):
    return client.post(url, data, format="json", headers=headers)


# --- filing a report ---------------------------------------------------------------------


@pytest.mark.parametrize("target", ["post", "comment"])
@pytest.mark.parametrize("who", VIEWERS)
def test_report_create_by_every_standing(scene, who, target):
    world = scene.world
    content = getattr(scene, target)
    log_before = log_rows(scene.group)

    response = post_json(
        world.client(who), REPORTS, {target: content.pk, "reason": "spam", "detail": "ads"}
    )

    expected = CREATE_STATUS[scene.group.visibility][who]
    assert response.status_code == expected, response.content
    assert log_rows(scene.group) == log_before  # filing is no moderation action
    if expected != 201:
        assert Report.objects.count() == 0
        return
    created = Report.objects.get()
    body = response.json()
    assert body.pop("created_at") is not None
    assert body == {
        "id": created.pk,
        "group": scene.group.pk,
        "post": scene.post.pk if target == "post" else None,
        "comment": scene.comment.pk if target == "comment" else None,
        "reason": "spam",
        "detail": "ads",
        "status": "open",
        "reporter": user_summary(world.user(who)),
        "resolved_at": None,
        "content_hidden": False,
    }
    assert (created.reporter, created.group, getattr(created, target)) == (
        world.user(who),
        scene.group,
        content,
    )


def test_a_non_member_cannot_report_content_of_a_private_group(private_world):
    add_author(private_world)
    post = make_post(group=private_world.group, author=private_world.user("author"))
    comment = make_comment(post=post, author=private_world.user("author"))
    outsider = client_for(private_world.user("outsider"))

    for body in ({"post": post.pk}, {"comment": comment.pk}):
        response = post_json(outsider, REPORTS, {**body, "reason": "hate"})
        assert response.status_code == 404
        assert response.json() == {"detail": f"No {next(iter(body))} matches the given query."}
    assert Report.objects.count() == 0
    assert ModerationLogEntry.objects.filter(action__contains="report").count() == 0


def test_a_repeat_report_returns_the_open_one(public_scene):
    client = public_scene.world.client("member")
    body = {"post": public_scene.post.pk, "reason": "spam"}

    first = post_json(client, REPORTS, body)
    second = post_json(client, REPORTS, {**body, "reason": "hate", "detail": "changed my mind"})

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["reason"] == "spam"  # the open report is returned as it is
    assert Report.objects.count() == 1


def test_another_report_may_be_filed_once_the_first_is_closed(public_scene):
    world = public_scene.world
    first = report(reporter=world.user("member"), post=public_scene.post)
    report_dismiss(actor=world.user("moderator"), report=first)

    body = {"post": public_scene.post.pk, "reason": "spam"}
    response = post_json(world.client("member"), REPORTS, body)

    assert response.status_code == 201
    assert response.json()["id"] != first.pk
    assert Report.objects.filter(reporter=world.user("member")).count() == 2


def test_reports_of_one_user_on_a_post_and_on_its_comment_are_separate(public_scene):
    client = public_scene.world.client("member")

    on_post = post_json(client, REPORTS, {"post": public_scene.post.pk, "reason": "spam"})
    on_comment = post_json(client, REPORTS, {"comment": public_scene.comment.pk, "reason": "spam"})

    assert (on_post.status_code, on_comment.status_code) == (201, 201)
    assert Report.objects.count() == 2
    assert set(Report.objects.values_list("group", flat=True)) == {public_scene.group.pk}


def test_hidden_and_deleted_content_cannot_be_reported_by_members(public_scene):
    world = public_scene.world
    hidden_post = make_post(group=world.group, author=world.user("author"))
    Post.objects.filter(pk=hidden_post.pk).update(hidden_at=timezone.now())
    deleted_post = make_post(group=world.group, author=world.user("author"))
    Post.objects.filter(pk=deleted_post.pk).update(deleted_at=timezone.now())
    deleted_comment = make_comment(post=public_scene.post, author=world.user("author"))
    Comment.objects.filter(pk=deleted_comment.pk).update(deleted_at=timezone.now())
    comment_of_hidden_post = make_comment(post=hidden_post, author=world.user("author"))
    member, moderator = world.client("member"), world.client("moderator")

    assert post_json(member, REPORTS, {"post": hidden_post.pk, "reason": "spam"}).status_code == 404
    assert (
        post_json(member, REPORTS, {"comment": comment_of_hidden_post.pk, "reason": "spam"})
    ).status_code == 404
    for client in (member, moderator):
        assert (
            post_json(client, REPORTS, {"post": deleted_post.pk, "reason": "spam"}).status_code
            == 404
        )
        assert (
            post_json(client, REPORTS, {"comment": deleted_comment.pk, "reason": "spam"})
        ).status_code == 404
    assert Report.objects.count() == 0
    # A moderator still sees a hidden post, so may report it.
    assert (
        post_json(moderator, REPORTS, {"post": hidden_post.pk, "reason": "spam"}).status_code == 201
    )


def test_content_of_an_archived_group_cannot_be_reported(public_scene):
    public_scene.group.archived_at = timezone.now()
    public_scene.group.save(update_fields=["archived_at"])

    body = {"post": public_scene.post.pk, "reason": "spam"}
    response = post_json(public_scene.world.client("member"), REPORTS, body)

    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_server_controlled_fields_cannot_be_set(public_scene):
    world = public_scene.world
    other_group = make_group(owner=world.user("owner"), name="Elsewhere")
    body = {
        "post": public_scene.post.pk,
        "reason": "spam",
        "status": "resolved",
        "group": other_group.pk,
        "reporter": world.user("owner").pk,
        "content_hidden": True,
        "resolved_by": world.user("owner").pk,
        "resolution_note": "fine",
        "id": 999,
    }

    response = post_json(world.client("member"), REPORTS, body)

    assert response.status_code == 201
    created = Report.objects.get()
    assert created.pk != 999
    assert (created.status, created.group, created.reporter) == (
        ReportStatus.OPEN,
        public_scene.group,
        world.user("member"),
    )
    assert (created.content_hidden, created.resolved_by, created.resolution_note) == (
        False,
        None,
        "",
    )


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"reason": "spam"}, {"non_field_errors": ["Report exactly one post or one comment."]}),
        ({"post": None, "comment": None, "reason": "spam"},
         {"non_field_errors": ["Report exactly one post or one comment."]}),
        ({"post": "POST", "comment": "COMMENT", "reason": "spam"},
         {"non_field_errors": ["Report exactly one post or one comment."]}),
        ({"post": "POST"}, {"reason": ["This field is required."]}),
        ({"post": "POST", "reason": "boring"}, {"reason": ['"boring" is not a valid choice.']}),
        ({"post": "POST", "reason": ""}, {"reason": ['"" is not a valid choice.']}),
        ({"post": "POST", "reason": "spam", "detail": "d" * 2001},
         {"detail": ["Ensure this field has no more than 2000 characters."]}),
        ({"post": 2**63, "reason": "spam"},
         {"post": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ({"comment": 10**30, "reason": "spam"},
         {"comment": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ({"post": 0, "reason": "spam"},
         {"post": ["Ensure this value is greater than or equal to 1."]}),
        ({"post": "abc", "reason": "spam"}, {"post": ["A valid integer is required."]}),
        ({"post": [1], "reason": "spam"}, {"post": ["A valid integer is required."]}),
        ({"post": "POST", "reason": ["spam"]}, {"reason": ['"[\'spam\']" is not a valid choice.']}),
        ({"post": "POST", "reason": "spam", "detail": "\x00"},
         {"detail": ["Null characters are not allowed."]}),
    ],
)  # fmt: skip
def test_bad_input_gets_400_and_writes_nothing(public_scene, payload, errors):
    filled = {
        key: {"POST": public_scene.post.pk, "COMMENT": public_scene.comment.pk}.get(value, value)
        if isinstance(value, str)
        else value
        for key, value in payload.items()
    }

    response = post_json(public_scene.world.client("member"), REPORTS, filled)

    assert response.status_code == 400
    assert response.json() == errors
    assert Report.objects.count() == 0


@pytest.mark.parametrize("body", ['{"post": 1, "reason": "spam"', "[]", '"spam"', "null", "42"])
def test_malformed_json_or_a_non_object_gets_400(public_scene, body):
    client = public_scene.world.client("member")

    response = client.post(REPORTS, data=body, content_type="application/json")

    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_an_unknown_id_in_range_is_404(public_scene):
    client = public_scene.world.client("member")

    for body in ({"post": 2**63 - 1}, {"comment": 2**63 - 1}):
        assert post_json(client, REPORTS, {**body, "reason": "spam"}).status_code == 404
    assert Report.objects.count() == 0


def test_report_create_replays_an_idempotency_key(public_scene):
    client = public_scene.world.client("member")
    body = {"comment": public_scene.comment.pk, "reason": "harassment", "detail": "rude"}

    key = {"Idempotency-Key": "report-1"}
    first = post_json(client, REPORTS, body, **key)
    second = post_json(client, REPORTS, body, **key)
    reused = post_json(client, REPORTS, {**body, "detail": "other"}, **key)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert Report.objects.count() == 1


@pytest.mark.usefixtures("connection_heavy")
@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_file_exactly_one_report():
    world = build_world(Visibility.PUBLIC)
    post = make_post(group=world.group, author=world.user("member"))
    reporter = UserFactory()
    clients = [client_for(reporter) for _ in range(20)]
    barrier = threading.Barrier(len(clients))

    def call(client):
        try:
            barrier.wait(timeout=30)
            response = client.post(REPORTS, {"post": post.pk, "reason": "spam"}, format="json")
            return response.status_code, response.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(call, clients))

    assert sorted(code for code, _ in results) == [200] * 19 + [201]
    assert {report_id for _, report_id in results} == {Report.objects.get().pk}


# --- the reporter's own reports --------------------------------------------------------------


def test_own_reports_list_shows_only_the_viewers_reports(public_scene):
    world = public_scene.world
    mine = report(reporter=world.user("member"), post=public_scene.post)
    report(reporter=world.user("outsider"), post=public_scene.post)
    mine_too = report(reporter=world.user("member"), comment=public_scene.comment, reason="hate")
    report_resolve(actor=world.user("moderator"), report=mine, note="internal note")

    response = world.client("member").get(REPORTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [mine_too.pk, mine.pk]
    assert results[1]["status"] == "resolved"
    assert "resolved_by" not in results[1]  # who handled it, and their note, stay private
    assert "resolution_note" not in results[1]
    assert world.client("anonymous").get(REPORTS).status_code == 401
    assert world.client("admin").get(REPORTS).json()["results"] == []


def test_own_reports_leave_the_list_when_the_group_content_is_no_longer_visible(private_world):
    add_author(private_world)
    post = make_post(group=private_world.group, author=private_world.user("author"))
    report(reporter=private_world.user("member"), post=post)
    client = private_world.client("member")
    assert len(client.get(REPORTS).json()["results"]) == 1

    group_leave(user=private_world.user("member"), group=private_world.group)

    assert client.get(REPORTS).json()["results"] == []


def test_own_reports_list_costs_the_same_queries_for_any_page_size(
    public_scene, django_assert_max_num_queries
):
    world = public_scene.world
    member = world.user("member")
    for _ in range(50):
        report(reporter=member, post=make_post(group=world.group, author=world.user("author")))
    client = world.client("member")
    for page_size in (1, 50):
        with django_assert_max_num_queries(2):
            response = client.get(REPORTS, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


# --- the moderators' queue -----------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_report_queue_by_every_standing(scene, who):
    world = scene.world
    filed = report(reporter=world.user("member"), post=scene.post, detail="ads")

    response = world.client(who).get(reports_url(scene.group))

    expected = MODERATION_STATUS[scene.group.visibility][who]
    assert response.status_code == expected
    if expected != 200:
        assert "results" not in response.json()
        return
    [row] = response.json()["results"]
    assert row.pop("created_at") is not None
    assert row == {
        "id": filed.pk,
        "group": scene.group.pk,
        "post": scene.post.pk,
        "comment": None,
        "reason": "spam",
        "detail": "ads",
        "status": "open",
        "reporter": user_summary(world.user("member")),
        "resolved_by": None,
        "resolved_at": None,
        "resolution_note": "",
        "content_hidden": False,
    }


def test_report_queue_filters_by_status_newest_first(public_scene):
    world = public_scene.world
    moderator = world.user("moderator")
    posts = [make_post(group=world.group, author=world.user("author")) for _ in range(5)]
    filed = [report(reporter=world.user("member"), post=post) for post in posts]
    report_resolve(actor=moderator, report=filed[1], note="removed")
    report_dismiss(actor=moderator, report=filed[3], note="fine")
    other_group = make_group(owner=world.user("owner"), name="Elsewhere")
    report(
        reporter=world.user("owner"), post=make_post(group=other_group, author=world.user("owner"))
    )
    client = world.client("moderator")
    url = reports_url(world.group)

    def ids(**params):
        return [row["id"] for row in client.get(url, params).json()["results"]]

    assert ids() == [filed[4].pk, filed[2].pk, filed[0].pk]
    assert ids(status="open") == [filed[4].pk, filed[2].pk, filed[0].pk]
    assert ids(status="resolved") == [filed[1].pk]
    assert ids(status="dismissed") == [filed[3].pk]
    response = client.get(url, {"status": "closed"})
    assert response.status_code == 400
    assert response.json() == {"status": ['"closed" is not a valid choice.']}


def test_report_queue_pages_are_exact(public_scene):
    world = public_scene.world
    filed = [
        report(
            reporter=world.user("member"),
            post=make_post(group=world.group, author=world.user("owner")),
        )
        for _ in range(7)
    ]
    client = world.client("admin")
    pages, url = [], reports_url(world.group) + "?page_size=3"
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]

    assert pages == [
        [filed[6].pk, filed[5].pk, filed[4].pk],
        [filed[3].pk, filed[2].pk, filed[1].pk],
        [filed[0].pk],
    ]


def test_report_queue_costs_the_same_queries_for_any_page_size(
    public_scene, django_assert_max_num_queries
):
    world = public_scene.world
    reporters = [UserFactory() for _ in range(5)]
    for n in range(100):
        post = make_post(group=world.group, author=world.user("author"))
        filed = report(reporter=reporters[n % 5], post=post)
        if n % 2:
            report_resolve(actor=world.user("moderator"), report=filed)
    client = world.client("moderator")
    url = reports_url(world.group)
    for status_name, page_size in [("open", 1), ("open", 50), ("resolved", 1), ("resolved", 50)]:
        with django_assert_max_num_queries(4):
            response = client.get(url, {"status": status_name, "page_size": page_size})
        assert len(response.json()["results"]) == page_size


# --- resolve and dismiss -------------------------------------------------------------------


def resolve_url(group, report_id) -> str:
    return f"{reports_url(group)}{report_id}/resolve/"


def dismiss_url(group, report_id) -> str:
    return f"{reports_url(group)}{report_id}/dismiss/"


@pytest.mark.parametrize("target", ["post", "comment"])
@pytest.mark.parametrize("who", VIEWERS)
def test_resolve_with_hide_by_every_standing(scene, who, target):
    world = scene.world
    content = getattr(scene, target)
    filed = report(reporter=world.user("member"), **{target: content})
    log_before = log_rows(scene.group)

    response = post_json(
        world.client(who),
        resolve_url(scene.group, filed.pk),
        {"hide_content": True, "note": "off-topic ads"},
    )

    expected = MODERATION_STATUS[scene.group.visibility][who]
    assert response.status_code == expected
    filed.refresh_from_db()
    content.refresh_from_db()
    if expected != 200:
        assert (filed.status, filed.resolved_by, filed.content_hidden) == ("open", None, False)
        assert (content.hidden_at, content.hidden_by) == (None, None)
        assert log_rows(scene.group) == log_before
        return
    actor = world.user(who)
    assert (filed.status, filed.resolved_by, filed.content_hidden) == ("resolved", actor, True)
    assert filed.resolution_note == "off-topic ads"
    assert content.hidden_at is not None
    assert content.hidden_by == actor
    hide = ModerationAction.HIDE_POST if target == "post" else ModerationAction.HIDE_COMMENT
    author = world.user("author").username
    assert log_rows(scene.group) == [
        (ModerationAction.RESOLVE_REPORT, actor.username, author, "off-topic ads"),
        (hide, actor.username, author, "off-topic ads"),
        *log_before,
    ]
    body = response.json()
    assert (body["id"], body["status"], body["content_hidden"]) == (filed.pk, "resolved", True)
    assert body["resolved_by"] == user_summary(actor)
    assert body["resolution_note"] == "off-topic ads"


@pytest.mark.parametrize("who", VIEWERS)
def test_dismiss_by_every_standing(scene, who):
    world = scene.world
    filed = report(reporter=world.user("member"), comment=scene.comment)
    log_before = log_rows(scene.group)

    response = post_json(world.client(who), dismiss_url(scene.group, filed.pk), {"note": "fine"})

    expected = MODERATION_STATUS[scene.group.visibility][who]
    assert response.status_code == expected
    filed.refresh_from_db()
    scene.comment.refresh_from_db()
    assert scene.comment.hidden_at is None
    if expected != 200:
        assert (filed.status, filed.resolved_by, filed.resolved_at) == ("open", None, None)
        assert log_rows(scene.group) == log_before
        return
    actor = world.user(who)
    assert (filed.status, filed.resolved_by, filed.resolution_note) == ("dismissed", actor, "fine")
    assert filed.resolved_at is not None
    assert log_rows(scene.group) == [
        (ModerationAction.DISMISS_REPORT, actor.username, world.user("author").username, "fine"),
        *log_before,
    ]
    assert response.json()["status"] == "dismissed"


def test_resolve_with_hide_takes_the_content_out_of_members_sight(public_scene):
    world = public_scene.world
    on_post = report(reporter=world.user("member"), post=public_scene.post)
    client = world.client("moderator")

    post_json(client, resolve_url(world.group, on_post.pk), {"hide_content": True})

    member, moderator = world.user("member"), world.user("moderator")
    assert not visible_posts(member).filter(pk=public_scene.post.pk).exists()
    assert not visible_comments(member).filter(pk=public_scene.comment.pk).exists()
    assert visible_posts(moderator).filter(pk=public_scene.post.pk).exists()
    entry = ModerationLogEntry.objects.get(action=ModerationAction.HIDE_POST)
    assert (entry.post, entry.report, entry.comment) == (public_scene.post, on_post, None)


def test_resolve_without_hide_leaves_the_content_and_logs_one_entry(public_scene):
    world = public_scene.world
    filed = report(reporter=world.user("member"), post=public_scene.post)
    log_before = log_rows(world.group)

    response = post_json(world.client("moderator"), resolve_url(world.group, filed.pk), {})

    assert response.status_code == 200
    assert response.json()["content_hidden"] is False
    public_scene.post.refresh_from_db()
    assert public_scene.post.hidden_at is None
    assert log_rows(world.group) == [
        (ModerationAction.RESOLVE_REPORT, "public-moderator", "public-author", ""),
        *log_before,
    ]


def test_resolving_reports_on_already_hidden_content_logs_no_second_hide(public_scene):
    world = public_scene.world
    first = report(reporter=world.user("member"), post=public_scene.post)
    second = report(reporter=world.user("admin"), post=public_scene.post)
    client = world.client("moderator")

    post_json(client, resolve_url(world.group, first.pk), {"hide_content": True})
    response = post_json(client, resolve_url(world.group, second.pk), {"hide_content": True})

    assert response.status_code == 200
    assert response.json()["content_hidden"] is True
    actions = ModerationLogEntry.objects.filter(report__isnull=False).values_list("action")
    assert sorted(actions) == [("hide_post",), ("resolve_report",), ("resolve_report",)]


@pytest.mark.parametrize(
    ("first", "then"),
    [("resolve", "resolve"), ("resolve", "dismiss"), ("dismiss", "resolve"),
     ("dismiss", "dismiss")],
)  # fmt: skip
def test_a_closed_report_cannot_be_closed_again(public_scene, first, then):
    world = public_scene.world
    filed = report(reporter=world.user("member"), post=public_scene.post)
    client = world.client("moderator")
    urls = {"resolve": resolve_url, "dismiss": dismiss_url}
    assert (
        post_json(client, urls[first](world.group, filed.pk), {"note": "first"}).status_code == 200
    )
    filed.refresh_from_db()
    log_before = log_rows(world.group)

    response = post_json(
        world.client("owner"),
        urls[then](world.group, filed.pk),
        {"note": "again", "hide_content": True},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": f"This report was already {filed.status}."}
    after = Report.objects.get(pk=filed.pk)
    assert (after.status, after.resolved_by, after.resolution_note, after.resolved_at) == (
        filed.status,
        world.user("moderator"),
        "first",
        filed.resolved_at,
    )
    public_scene.post.refresh_from_db()
    assert public_scene.post.hidden_at is None
    assert log_rows(world.group) == log_before


def test_reports_of_another_group_or_unknown_ids_are_404(public_scene):
    world = public_scene.world
    other_group = make_group(owner=world.user("moderator"), name="Elsewhere")
    elsewhere = report(
        reporter=world.user("member"),
        post=make_post(group=other_group, author=world.user("moderator")),
    )
    client = world.client("moderator")  # a moderator here, and the owner of the other group

    for url in (
        resolve_url(world.group, elsewhere.pk),
        dismiss_url(world.group, elsewhere.pk),
        resolve_url(world.group, 2**63 - 1),
        dismiss_url(world.group, 10**18 - 1),
    ):
        assert post_json(client, url, {}).status_code == 404
    for url in (resolve_url(world.group, 10**30), f"{API}/groups/{10**30}/reports/"):
        assert post_json(client, url, {}).status_code == 404
    assert Report.objects.get(pk=elsewhere.pk).status == ReportStatus.OPEN


@pytest.mark.parametrize(
    ("path", "payload", "errors"),
    [
        ("resolve", {"note": "n" * 501},
         {"note": ["Ensure this field has no more than 500 characters."]}),
        ("dismiss", {"note": "n" * 501},
         {"note": ["Ensure this field has no more than 500 characters."]}),
        ("resolve", {"hide_content": "perhaps"}, {"hide_content": ["Must be a valid boolean."]}),
        ("resolve", {"note": ["a"]}, {"note": ["Not a valid string."]}),
    ],
)  # fmt: skip
def test_bad_resolve_or_dismiss_input_gets_400_and_changes_nothing(
    public_scene, path, payload, errors
):
    world = public_scene.world
    filed = report(reporter=world.user("member"), post=public_scene.post)
    log_before = log_rows(world.group)
    client = world.client("moderator")

    response = post_json(client, f"{reports_url(world.group)}{filed.pk}/{path}/", payload)
    malformed = client.post(
        f"{reports_url(world.group)}{filed.pk}/{path}/", data="{", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert malformed.status_code == 400
    filed.refresh_from_db()
    assert (filed.status, filed.resolved_by) == ("open", None)
    public_scene.post.refresh_from_db()
    assert public_scene.post.hidden_at is None
    assert log_rows(world.group) == log_before


def test_site_staff_are_not_moderators_in_the_api(public_scene):
    world = public_scene.world
    filed = report(reporter=world.user("member"), post=public_scene.post)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(staff)

    assert client.get(reports_url(world.group)).status_code == 403
    assert post_json(client, resolve_url(world.group, filed.pk), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        report_resolve(actor=staff, report=filed)
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.OPEN


def test_the_site_staff_door_is_closed_to_everyone_but_staff(public_scene):
    world = public_scene.world
    filed = report(reporter=world.user("outsider"), post=public_scene.post)

    for who in ("member", "outsider", "owner"):
        with pytest.raises(PermissionDenied):
            report_dismiss(actor=world.user(who), report=filed, as_site_staff=True)
    inactive_staff = UserFactory(is_staff=True, is_active=False)
    with pytest.raises(PermissionDenied):
        report_dismiss(actor=inactive_staff, report=filed, as_site_staff=True)
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.OPEN


def test_a_moderator_added_later_may_resolve_and_a_demoted_one_may_not(public_scene):
    world = public_scene.world
    filed = report(reporter=world.user("outsider"), post=public_scene.post)
    newcomer = UserFactory()
    add_member(world.group, newcomer, "moderator")
    membership_change_role(
        actor=world.user("owner"), group=world.group, user_id=newcomer.pk, role="member"
    )

    with pytest.raises(PermissionDenied):
        report_resolve(actor=newcomer, report=filed)
    report_resolve(actor=world.user("admin"), report=filed)
    with pytest.raises(Conflict):
        report_dismiss(actor=world.user("owner"), report=filed)


@pytest.mark.usefixtures("connection_heavy")
@pytest.mark.django_db(transaction=True)
def test_concurrent_resolves_and_dismisses_close_a_report_once():
    world = build_world(Visibility.PUBLIC)
    post = make_post(group=world.group, author=world.user("member"))
    filed = report(reporter=world.user("outsider"), post=post)
    calls = [
        (world.client(who), verb)
        for who in ("moderator", "admin", "owner")
        for verb in ("resolve", "dismiss")
    ] * 3
    barrier = threading.Barrier(len(calls))

    def call(pair):
        client, verb = pair
        try:
            barrier.wait(timeout=30)
            url = f"{reports_url(world.group)}{filed.pk}/{verb}/"
            return client.post(url, {"hide_content": True}, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        codes = list(pool.map(call, calls))

    assert sorted(codes) == [200] + [409] * (len(calls) - 1)
    closing = ModerationLogEntry.objects.filter(
        action__in=[ModerationAction.RESOLVE_REPORT, ModerationAction.DISMISS_REPORT]
    )
    assert closing.count() == 1
    filed.refresh_from_db()
    post.refresh_from_db()
    assert (post.hidden_at is not None) == (filed.status == ReportStatus.RESOLVED)


def test_report_endpoints_are_in_the_schema():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert {
        "/api/communities/v1/reports/",
        "/api/communities/v1/groups/{group_pk}/reports/",
        "/api/communities/v1/groups/{group_pk}/reports/{id}/resolve/",
        "/api/communities/v1/groups/{group_pk}/reports/{id}/dismiss/",
        "/api/communities/v1/groups/{group_pk}/moderation-log/",
    } <= set(paths)
    params = paths["/api/communities/v1/reports/"]["post"]["parameters"]
    assert "Idempotency-Key" in {param["name"] for param in params}


@pytest.mark.parametrize(
    "path", ["reports/", "groups/{id}/reports/", "groups/{id}/moderation-log/"]
)
def test_browsable_api_renders_for_a_moderator(public_scene, path):
    client = public_scene.world.client("owner")

    response = client.get(
        f"/api/communities/v1/{path.format(id=public_scene.group.pk)}", HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_resolving_with_hide_after_the_author_deleted_the_post_hides_nothing(public_scene):
    from communities.services.posts import post_delete

    world = public_scene.world
    filed = report(reporter=world.user("member"), post=public_scene.post)
    post_delete(actor=world.user("author"), post=public_scene.post)

    response = post_json(
        world.client("moderator"), resolve_url(public_scene.group, filed.pk), {"hide_content": True}
    )

    assert response.status_code == 200
    filed.refresh_from_db()
    public_scene.post.refresh_from_db()
    assert (filed.status, filed.content_hidden) == ("resolved", False)
    assert public_scene.post.hidden_at is None
    assert [row[0] for row in log_rows(public_scene.group)][:2] == [
        ModerationAction.RESOLVE_REPORT,
        ModerationAction.BAN_USER,  # the world's own ban: no hide_post entry in between
    ]
