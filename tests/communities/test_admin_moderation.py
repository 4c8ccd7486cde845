"""The Django admin's moderation view: open reports first, and actions that hide content,
dismiss reports and ban authors through the services, each written to the moderation log;
posts and comments hidden, restored and deleted, and bans made and lifted, the same way."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.admin import SNIPPET_CHARS
from communities.models import (
    Ban,
    Comment,
    Membership,
    ModerationAction,
    ModerationLogEntry,
    Post,
    Report,
    ReportStatus,
)
from communities.services.comments import comment_hide
from communities.services.membership import membership_ban
from communities.services.posts import post_delete, post_hide, post_lock, post_pin
from communities.services.reports import report_dismiss, report_resolve
from divan.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.fixtures import add_member, make_group
from tests.moderation_helpers import log_rows, make_comment, make_post, report

pytestmark = pytest.mark.django_db

REPORTS = "/admin/communities/report/"
LOG = "/admin/communities/moderationlogentry/"
POSTS = "/admin/communities/post/"
COMMENTS = "/admin/communities/comment/"
BANS = "/admin/communities/ban/"


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


class Lounge:
    """A public group with an author of dubious posts, two reporters and a moderator."""

    def __init__(self):
        self.owner = UserFactory(username="olga")
        self.group = make_group(owner=self.owner, name="Lounge")
        self.moderator, self.author = UserFactory(username="mod"), UserFactory(username="spammer")
        self.alice, self.bob = UserFactory(username="alice"), UserFactory(username="bob")
        add_member(self.group, self.moderator, "moderator")
        for user in (self.author, self.alice, self.bob):
            add_member(self.group, user)
        self.post = make_post(group=self.group, author=self.author, body="cheap watches")
        self.comment = make_comment(post=self.post, author=self.author, body="buy now")


@pytest.fixture
def lounge():
    return Lounge()


def run_action(client, action: str, rows, url: str = REPORTS, reason: str = "") -> list[str]:
    data = {"action": action, "_selected_action": [r.pk for r in rows], "reason": reason}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def changelist_ids(client, url: str = REPORTS, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


class Outbox:
    """The outbox events written since the last look, as (type, aggregate type, aggregate id)."""

    def __init__(self):
        self.seen = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[tuple]:
        rows = list(OutboxEvent.objects.filter(id__gt=self.seen).order_by("id"))
        if rows:
            self.seen = rows[-1].id
        return [(row.type, row.aggregate_type, row.aggregate_id) for row in rows]


def content_state(group) -> dict:
    """What the content and ban actions may change, to prove that a refused one changed nothing."""
    return {
        "posts": list(
            Post.objects.filter(group=group)
            .order_by("pk")
            .values_list(
                "pk", "hidden_at", "hidden_by", "deleted_at", "deleted_by", "comments_count"
            )
        ),
        "comments": list(
            Comment.objects.filter(post__group=group)
            .order_by("pk")
            .values_list("pk", "hidden_at", "hidden_by", "deleted_at", "deleted_by")
        ),
        "bans": list(Ban.objects.filter(group=group).order_by("pk").values_list()),
        "members": list(Membership.objects.filter(group=group).order_by("pk").values_list()),
        "log": log_rows(group),
        "outbox": OutboxEvent.objects.count(),
    }


# --- the queue -----------------------------------------------------------------------------


def test_open_reports_come_first_then_the_newest(staff_client, lounge):
    posts = [make_post(group=lounge.group, author=lounge.author) for _ in range(5)]
    filed = [report(reporter=lounge.alice, post=post) for post in posts]
    report_resolve(actor=lounge.moderator, report=filed[1])
    report_dismiss(actor=lounge.moderator, report=filed[3])

    assert changelist_ids(staff_client) == [
        filed[4].pk,
        filed[2].pk,
        filed[0].pk,
        filed[3].pk,
        filed[1].pk,
    ]


def test_filters_and_search(staff_client, lounge):
    other = make_group(owner=lounge.owner, name="Annex")
    spam = report(reporter=lounge.alice, post=lounge.post, detail="watches")
    hate = report(reporter=lounge.bob, comment=lounge.comment, reason="hate")
    elsewhere = report(reporter=lounge.owner, post=make_post(group=other, author=lounge.owner))
    report_dismiss(actor=lounge.moderator, report=hate)

    assert changelist_ids(staff_client, status__exact="dismissed") == [hate.pk]
    assert changelist_ids(staff_client, reason__exact="hate") == [hate.pk]
    assert changelist_ids(staff_client, group__id__exact=other.pk) == [elsewhere.pk]
    assert changelist_ids(staff_client, q="bob") == [hate.pk]
    assert changelist_ids(staff_client, q="cheap watches") == [spam.pk]
    assert changelist_ids(staff_client, q="spammer") == [spam.pk, hate.pk]


def test_the_changelist_costs_the_same_queries_for_any_number_of_reports(staff_client, lounge):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(REPORTS).status_code == 200
        return len(queries)

    report(reporter=lounge.alice, post=lounge.post)
    report(reporter=lounge.bob, comment=lounge.comment)
    few = count_queries()
    for n in range(30):
        reporter = UserFactory()
        report(reporter=reporter, post=make_post(group=lounge.group, author=lounge.author))
        if n % 2:
            report(reporter=reporter, comment=make_comment(post=lounge.post, author=lounge.bob))

    assert count_queries() == few


def test_a_report_page_is_read_only(staff_client, lounge):
    filed = report(reporter=lounge.alice, post=lounge.post)
    url = f"{REPORTS}{filed.pk}/change/"

    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"status": "dismissed"}).status_code == 403
    assert staff_client.get(f"{REPORTS}add/").status_code == 403
    assert staff_client.post(f"{REPORTS}{filed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.OPEN


# --- actions -------------------------------------------------------------------------------


def test_hide_action_hides_the_content_resolves_and_logs(staff_client, staff, lounge):
    on_post = report(reporter=lounge.alice, post=lounge.post)
    on_comment = report(reporter=lounge.bob, comment=lounge.comment)
    closed = report(reporter=lounge.bob, post=lounge.post)
    report_dismiss(actor=lounge.moderator, report=closed)
    before = log_rows(lounge.group)

    notes = run_action(staff_client, "hide_content", [on_post, on_comment, closed])

    assert notes == [
        f"Report #{closed.pk}: This report was already dismissed.",
        "Hid the content of 2 report(s) and resolved them.",
    ]
    lounge.post.refresh_from_db()
    lounge.comment.refresh_from_db()
    assert (lounge.post.hidden_by, lounge.comment.hidden_by) == (staff, staff)
    assert lounge.post.hidden_at is not None and lounge.comment.hidden_at is not None
    for filed in (on_post, on_comment):
        filed.refresh_from_db()
        assert (filed.status, filed.resolved_by, filed.content_hidden) == ("resolved", staff, True)
    assert Report.objects.get(pk=closed.pk).status == ReportStatus.DISMISSED
    assert log_rows(lounge.group) == [
        ("resolve_report", "staff", "spammer", ""),
        ("hide_comment", "staff", "spammer", ""),
        ("resolve_report", "staff", "spammer", ""),
        ("hide_post", "staff", "spammer", ""),
        *before,
    ]


def test_dismiss_action_dismisses_and_logs(staff_client, staff, lounge):
    filed = report(reporter=lounge.alice, comment=lounge.comment)
    before = log_rows(lounge.group)

    notes = run_action(staff_client, "dismiss", [filed])

    assert notes == ["Dismissed 1 report(s)."]
    filed.refresh_from_db()
    assert (filed.status, filed.resolved_by) == (ReportStatus.DISMISSED, staff)
    lounge.comment.refresh_from_db()
    assert lounge.comment.hidden_at is None
    assert log_rows(lounge.group) == [("dismiss_report", "staff", "spammer", ""), *before]


def test_ban_action_bans_each_author_once_and_logs(staff_client, staff, lounge):
    on_post = report(reporter=lounge.alice, post=lounge.post, reason="spam")
    on_comment = report(reporter=lounge.bob, comment=lounge.comment)
    lounge.group.refresh_from_db()
    members_before = lounge.group.member_count
    before = log_rows(lounge.group)

    notes = run_action(staff_client, "ban_author", [on_comment, on_post])

    assert notes == [
        "Banned 1 author(s) from their group and resolved their reports.",
        "Resolved 1 more report(s) on the banned authors.",
    ]
    ban = Ban.objects.get(group=lounge.group, user=lounge.author)
    assert (ban.banned_by, ban.reason) == (staff, f"Report #{on_post.pk}: Spam")
    assert not Membership.objects.filter(group=lounge.group, user=lounge.author).exists()
    lounge.group.refresh_from_db()
    assert lounge.group.member_count == members_before - 1
    banned = "The author was banned from the group."
    assert log_rows(lounge.group) == [
        ("resolve_report", "staff", "spammer", banned),
        ("resolve_report", "staff", "spammer", banned),
        ("ban_user", "staff", "spammer", f"Report #{on_post.pk}: Spam"),
        *before,
    ]
    entry = ModerationLogEntry.objects.get(action=ModerationAction.BAN_USER, actor=staff)
    assert entry.report == on_post
    # Acting on a report closes it: the ban resolves both of the author's reports.
    assert sorted(Report.objects.values_list("pk", "status", "resolved_by", "resolution_note")) == [
        (on_post.pk, ReportStatus.RESOLVED, staff.pk, banned),
        (on_comment.pk, ReportStatus.RESOLVED, staff.pk, banned),
    ]
    assert [
        (entry.report_id, entry.action)
        for entry in ModerationLogEntry.objects.filter(actor=staff).order_by("id")
    ] == [
        (on_post.pk, "ban_user"),
        (on_post.pk, "resolve_report"),
        (on_comment.pk, "resolve_report"),
    ]


def test_ban_action_refusals_change_nothing(staff_client, staff, lounge):
    def report_post_of(author):
        return report(reporter=lounge.alice, post=make_post(group=lounge.group, author=author))

    add_member(lounge.group, staff)  # staff wrote a post as a member; it cannot ban itself
    by_owner, by_staff = report_post_of(lounge.owner), report_post_of(staff)
    gone_author = UserFactory(username="gone")
    add_member(lounge.group, gone_author)
    by_gone = report_post_of(gone_author)
    gone_author.delete()
    lounge.group.refresh_from_db()
    members_before = lounge.group.member_count
    before = log_rows(lounge.group)

    notes = run_action(staff_client, "ban_author", [by_owner, by_staff, by_gone])

    assert notes == [
        f"Report #{by_owner.pk}: A group must keep at least one owner; make someone else owner "
        "first.",
        f"Report #{by_staff.pk}: You cannot ban yourself.",
        f"Report #{by_gone.pk}: The reported content's author no longer exists.",
    ]
    assert Ban.objects.filter(group=lounge.group).count() == 0
    lounge.group.refresh_from_db()
    assert lounge.group.member_count == members_before
    assert log_rows(lounge.group) == before


def test_staff_without_the_change_permission_cannot_act(client, lounge):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    client.force_login(viewer)
    filed = report(reporter=lounge.alice, post=lounge.post)
    before = log_rows(lounge.group)

    assert changelist_ids(client) == [filed.pk]
    for action in ("hide_content", "dismiss", "ban_author"):
        client.post(REPORTS, {"action": action, "_selected_action": [filed.pk]})

    filed.refresh_from_db()
    assert (filed.status, filed.resolved_by) == (ReportStatus.OPEN, None)
    lounge.post.refresh_from_db()
    assert lounge.post.hidden_at is None
    assert not Ban.objects.filter(user=lounge.author).exists()
    assert log_rows(lounge.group) == before


def test_non_staff_cannot_enter_the_moderation_view(client, lounge):
    client.force_login(lounge.moderator)
    filed = report(reporter=lounge.alice, post=lounge.post)

    response = client.post(REPORTS, {"action": "dismiss", "_selected_action": [filed.pk]})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.OPEN


# --- the moderation log --------------------------------------------------------------------


def test_the_log_is_read_only_with_filters_and_search(staff_client, lounge):
    filed = report(reporter=lounge.alice, post=lounge.post)
    report_resolve(actor=lounge.moderator, report=filed, hide_content=True, note="ads")
    other = make_group(owner=lounge.bob, name="Annex")
    troll = UserFactory(username="troll")
    add_member(other, troll)
    membership_ban(actor=lounge.bob, group=other, user_id=troll.pk, reason="trolling")

    def listed(**params) -> list[tuple]:
        response = staff_client.get(LOG, params)
        assert response.status_code == 200
        return [(entry.action, entry.group.name) for entry in response.context["cl"].result_list]

    assert listed() == [
        ("ban_user", "Annex"),
        ("resolve_report", "Lounge"),
        ("hide_post", "Lounge"),
        ("change_role", "Lounge"),
    ]
    assert listed(action__exact="hide_post") == [("hide_post", "Lounge")]
    assert listed(group__id__exact=other.pk) == [("ban_user", "Annex")]
    assert listed(q="trolling") == [("ban_user", "Annex")]
    assert listed(q="mod") == [("resolve_report", "Lounge"), ("hide_post", "Lounge"),
                               ("change_role", "Lounge")]  # fmt: skip

    entry = ModerationLogEntry.objects.get(action="hide_post")
    assert staff_client.get(f"{LOG}{entry.pk}/change/").status_code == 200  # view only
    assert staff_client.post(f"{LOG}{entry.pk}/change/", {"reason": "x"}).status_code == 403
    assert staff_client.get(f"{LOG}add/").status_code == 403
    assert staff_client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = staff_client.post(
        LOG, {"action": "delete_selected", "_selected_action": [entry.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ModerationLogEntry.objects.filter(pk=entry.pk, reason="ads").exists()
    assert ModerationLogEntry.objects.count() == 4


# --- posts and comments --------------------------------------------------------------------


def test_posts_are_filtered_and_searched(staff_client, lounge):
    other = make_group(owner=lounge.owner, name="Annex")
    titled = make_post(group=lounge.group, author=lounge.alice, title="Book swap", body="Sunday")
    hidden = make_post(group=lounge.group, author=lounge.bob, body="rude words")
    deleted = make_post(group=lounge.group, author=lounge.bob, body="gone soon")
    pinned = make_post(group=lounge.group, author=lounge.owner, body="welcome")
    annex = make_post(group=other, author=lounge.owner, body="elsewhere")
    post_hide(actor=lounge.moderator, post=hidden)
    post_delete(actor=lounge.bob, post=deleted)
    post_pin(actor=lounge.owner, post=pinned)
    post_lock(actor=lounge.owner, post=pinned)
    everything = [annex.pk, pinned.pk, deleted.pk, hidden.pk, titled.pk, lounge.post.pk]

    assert changelist_ids(staff_client, POSTS) == everything
    assert changelist_ids(staff_client, POSTS, group__id__exact=other.pk) == [annex.pk]
    assert changelist_ids(staff_client, POSTS, hidden_at__isempty="0") == [hidden.pk]
    assert changelist_ids(staff_client, POSTS, deleted_at__isempty="0") == [deleted.pk]
    assert changelist_ids(staff_client, POSTS, pinned__exact="1") == [pinned.pk]
    assert changelist_ids(staff_client, POSTS, locked__exact="1") == [pinned.pk]
    assert changelist_ids(staff_client, POSTS, q="swap") == [titled.pk]  # the title
    assert changelist_ids(staff_client, POSTS, q="cheap watches") == [lounge.post.pk]  # the body
    assert changelist_ids(staff_client, POSTS, q="bob") == [deleted.pk, hidden.pk]  # the author
    states = {
        row.pk: row_state
        for row, row_state in zip(
            staff_client.get(POSTS).context["cl"].result_list,
            re.findall(r'<td class="field-state">([^<]*)</td>', staff_client.get(POSTS).text),
            strict=True,
        )
    }
    assert states == {
        annex.pk: "live",
        pinned.pk: "pinned, locked",
        deleted.pk: "deleted",
        hidden.pk: "hidden",
        titled.pk: "live",
        lounge.post.pk: "live",
    }


def test_comments_are_filtered_and_searched(staff_client, lounge):
    other = make_group(owner=lounge.owner, name="Annex")
    kind = make_comment(post=lounge.post, author=lounge.alice, body="kind words")
    hidden = make_comment(post=lounge.post, author=lounge.bob, body="rude words")
    annex = make_comment(post=make_post(group=other, author=lounge.owner), author=lounge.owner)
    comment_hide(actor=lounge.moderator, comment=hidden)

    assert changelist_ids(staff_client, COMMENTS) == [
        annex.pk,
        hidden.pk,
        kind.pk,
        lounge.comment.pk,
    ]
    assert changelist_ids(staff_client, COMMENTS, post__group__id__exact=other.pk) == [annex.pk]
    assert changelist_ids(staff_client, COMMENTS, hidden_at__isempty="0") == [hidden.pk]
    assert changelist_ids(staff_client, COMMENTS, deleted_at__isempty="0") == []
    assert changelist_ids(staff_client, COMMENTS, q="words") == [hidden.pk, kind.pk]
    assert changelist_ids(staff_client, COMMENTS, q="spammer") == [lounge.comment.pk]


def test_post_actions_hide_restore_and_delete_through_the_services(staff_client, staff, lounge):
    spare = make_post(group=lounge.group, author=lounge.alice, body="fine")
    outbox, before = Outbox(), log_rows(lounge.group)

    assert run_action(staff_client, "hide", [lounge.post], POSTS) == ["Hid 1 post(s)."]
    lounge.post.refresh_from_db()
    assert lounge.post.hidden_by == staff and lounge.post.hidden_at is not None
    assert outbox.new() == [("post.hidden", "post", lounge.post.pk)]

    notes = run_action(staff_client, "restore", [lounge.post, spare], POSTS)
    assert notes == [f"Post #{spare.pk}: This post is not hidden.", "Restored 1 post(s)."]
    lounge.post.refresh_from_db()
    assert (lounge.post.hidden_at, lounge.post.hidden_by) == (None, None)
    assert outbox.new() == [("post.restored", "post", lounge.post.pk)]

    assert run_action(staff_client, "delete_content", [spare], POSTS) == ["Deleted 1 post(s)."]
    spare.refresh_from_db()
    assert spare.deleted_by == staff and spare.deleted_at is not None
    assert outbox.new() == [("post.deleted", "post", spare.pk)]
    lounge.post.refresh_from_db()
    assert lounge.post.deleted_at is None
    assert log_rows(lounge.group) == [
        ("delete_post", "staff", "alice", ""),
        ("restore_post", "staff", "spammer", ""),
        ("hide_post", "staff", "spammer", ""),
        *before,
    ]


def test_comment_actions_hide_restore_and_delete_through_the_services(staff_client, staff, lounge):
    spare = make_comment(post=lounge.post, author=lounge.alice, body="fine")
    lounge.post.refresh_from_db()
    comments_before = lounge.post.comments_count
    outbox, before = Outbox(), log_rows(lounge.group)

    assert run_action(staff_client, "hide", [lounge.comment], COMMENTS) == ["Hid 1 comment(s)."]
    lounge.comment.refresh_from_db()
    assert lounge.comment.hidden_by == staff and lounge.comment.hidden_at is not None
    assert outbox.new() == [("comment.hidden", "comment", lounge.comment.pk)]

    notes = run_action(staff_client, "restore", [lounge.comment, spare], COMMENTS)
    assert notes == [f"Comment #{spare.pk}: This comment is not hidden.", "Restored 1 comment(s)."]
    lounge.comment.refresh_from_db()
    assert (lounge.comment.hidden_at, lounge.comment.hidden_by) == (None, None)
    assert outbox.new() == [("comment.restored", "comment", lounge.comment.pk)]

    notes = run_action(staff_client, "delete_content", [spare], COMMENTS)
    assert notes == ["Deleted 1 comment(s)."]
    spare.refresh_from_db()
    assert spare.deleted_by == staff and spare.deleted_at is not None
    assert outbox.new() == [("comment.deleted", "comment", spare.pk)]
    lounge.post.refresh_from_db()
    assert lounge.post.comments_count == comments_before - 1
    assert log_rows(lounge.group) == [
        ("delete_comment", "staff", "alice", ""),
        ("restore_comment", "staff", "spammer", ""),
        ("hide_comment", "staff", "spammer", ""),
        *before,
    ]


@pytest.mark.parametrize("url", [POSTS, COMMENTS, BANS, LOG])
def test_these_changelists_cost_the_same_queries_for_any_number_of_rows(staff_client, lounge, url):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.bob.pk)
    few = count_queries()
    for _ in range(10):
        author = UserFactory()
        add_member(lounge.group, author)
        post = make_post(group=lounge.group, author=author)
        make_comment(post=post, author=author)
        post_hide(actor=lounge.moderator, post=post)
        membership_ban(actor=lounge.owner, group=lounge.group, user_id=author.pk)

    assert count_queries() == few


@pytest.mark.parametrize("url", [POSTS, COMMENTS])
def test_content_actions_log_their_reason(staff_client, lounge, url):
    row = lounge.post if url == POSTS else lounge.comment
    kind = "post" if url == POSTS else "comment"
    before = log_rows(lounge.group)

    for action in ("hide", "restore", "delete_content"):
        run_action(staff_client, action, [row], url, reason=f"{action} it")

    assert log_rows(lounge.group) == [
        (f"delete_{kind}", "staff", "spammer", "delete_content it"),
        (f"restore_{kind}", "staff", "spammer", "restore it"),
        (f"hide_{kind}", "staff", "spammer", "hide it"),
        *before,
    ]


def test_a_reason_too_long_runs_no_action(staff_client, lounge):
    filed = report(reporter=lounge.alice, post=lounge.post)
    before = content_state(lounge.group)

    for url, action, row in (
        (POSTS, "hide", lounge.post),
        (COMMENTS, "delete_content", lounge.comment),
        (REPORTS, "hide_content", filed),
    ):
        assert run_action(staff_client, action, [row], url, reason="x" * 501) == [
            "No action selected."
        ]

    assert content_state(lounge.group) == before
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.OPEN


def test_report_actions_take_the_reason_as_their_note(staff_client, staff, lounge):
    hidden = report(reporter=lounge.alice, post=lounge.post)
    dismissed = report(reporter=lounge.alice, comment=lounge.comment)
    before = log_rows(lounge.group)

    run_action(staff_client, "hide_content", [hidden], reason="ads")
    run_action(staff_client, "dismiss", [dismissed], reason="harmless")

    assert [(r.status, r.resolution_note) for r in Report.objects.order_by("pk")] == [
        (ReportStatus.RESOLVED, "ads"),
        (ReportStatus.DISMISSED, "harmless"),
    ]
    assert log_rows(lounge.group) == [
        ("dismiss_report", "staff", "spammer", "harmless"),
        ("resolve_report", "staff", "spammer", "ads"),
        ("hide_post", "staff", "spammer", "ads"),
        *before,
    ]


def test_staff_deleting_their_own_post_is_logged_as_moderation(staff_client, staff, lounge):
    add_member(lounge.group, staff)
    own = make_post(group=lounge.group, author=staff, body="mine")
    before = log_rows(lounge.group)

    assert run_action(staff_client, "delete_content", [own], POSTS) == ["Deleted 1 post(s)."]
    assert log_rows(lounge.group) == [("delete_post", "staff", "staff", ""), *before]


def test_content_pages_are_read_only(staff_client, lounge):
    for url, row in ((POSTS, lounge.post), (COMMENTS, lounge.comment)):
        page = f"{url}{row.pk}/change/"
        response = staff_client.get(page)
        assert response.status_code == 200
        assert f"http://127.0.0.1:3000/p/{lounge.post.pk}" in response.text
        assert staff_client.post(page, {"body": "edited"}).status_code == 403
        assert staff_client.get(f"{url}add/").status_code == 403
        assert staff_client.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    lounge.post.refresh_from_db()
    lounge.comment.refresh_from_db()
    assert (lounge.post.body, lounge.comment.body) == ("cheap watches", "buy now")
    assert (lounge.post.deleted_at, lounge.comment.deleted_at) == (None, None)


@pytest.mark.parametrize("url", [POSTS, COMMENTS])
def test_content_actions_refused_change_nothing(client, lounge, url):
    row = lounge.post if url == POSTS else lounge.comment
    before = content_state(lounge.group)

    viewer = UserFactory(username="viewer", is_staff=True)
    model = "post" if url == POSTS else "comment"
    viewer.user_permissions.add(Permission.objects.get(codename=f"view_{model}"))
    client.force_login(viewer)
    assert changelist_ids(client, url) != []
    for action in ("hide", "restore", "delete_content"):
        client.post(url, {"action": action, "_selected_action": [row.pk]})
    assert content_state(lounge.group) == before

    client.force_login(lounge.moderator)  # a group moderator, but no site staff
    for action in ("hide", "delete_content"):
        response = client.post(url, {"action": action, "_selected_action": [row.pk]})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert content_state(lounge.group) == before


# --- bans ----------------------------------------------------------------------------------


def test_the_ban_form_bans_through_the_service(staff_client, staff, lounge):
    lounge.group.refresh_from_db()
    members_before = lounge.group.member_count
    outbox, before = Outbox(), log_rows(lounge.group)
    until = timezone.now() + timedelta(days=7)

    response = staff_client.post(
        f"{BANS}add/",
        {
            "group": lounge.group.pk,
            "user": lounge.author.pk,
            "reason": "watches again",
            "expires_at_0": timezone.localtime(until).strftime("%Y-%m-%d"),
            "expires_at_1": timezone.localtime(until).strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.group, ban.user, ban.banned_by, ban.reason) == (
        lounge.group,
        lounge.author,
        staff,
        "watches again",
    )
    assert abs(ban.expires_at - until) < timedelta(seconds=1)
    assert not Membership.objects.filter(group=lounge.group, user=lounge.author).exists()
    lounge.group.refresh_from_db()
    assert lounge.group.member_count == members_before - 1
    assert outbox.new() == [
        ("membership.removed", "group", lounge.group.pk),
        ("ban.created", "group", lounge.group.pk),
    ]
    assert log_rows(lounge.group) == [("ban_user", "staff", "spammer", "watches again"), *before]


def test_banning_a_banned_user_again_renews_the_ban(staff_client, staff, lounge):
    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.author.pk, reason="a")
    outbox, before = Outbox(), log_rows(lounge.group)

    response = staff_client.post(
        f"{BANS}add/", {"group": lounge.group.pk, "user": lounge.author.pk, "reason": "b"}
    )

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.user, ban.banned_by, ban.reason, ban.expires_at) == (
        lounge.author,
        staff,
        "b",
        None,
    )
    assert outbox.new() == [("ban.created", "group", lounge.group.pk)]
    assert log_rows(lounge.group) == [("ban_user", "staff", "spammer", "b"), *before]


@pytest.mark.parametrize(
    "form, error",
    [
        ({"user": "owner"}, "A group must keep at least one owner; make someone else owner first."),
        ({"user": "staff"}, "You cannot ban yourself."),
        ({"expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"},
         "The expiry must be in the future."),
        ({"user": ""}, "This field is required."),
    ],
)  # fmt: skip
def test_a_refused_ban_form_changes_nothing(staff_client, staff, lounge, form, error):
    users = {"owner": lounge.owner.pk, "staff": staff.pk, "": ""}
    data = {"group": lounge.group.pk, "user": lounge.author.pk, "reason": "x"}
    data.update({k: users[v] if k == "user" else v for k, v in form.items()})
    before = content_state(lounge.group)

    response = staff_client.post(f"{BANS}add/", data)

    assert response.status_code == 200  # the form again, with the service's refusal on it
    assert error in response.text
    assert content_state(lounge.group) == before


def test_the_ban_form_is_for_site_staff_only(client, lounge):
    client.force_login(lounge.owner)  # the group's owner, but no site staff
    before = content_state(lounge.group)

    response = client.post(
        f"{BANS}add/", {"group": lounge.group.pk, "user": lounge.author.pk, "reason": "x"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert content_state(lounge.group) == before


def test_lift_action_unbans_through_the_service(staff_client, staff, lounge):
    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.author.pk)
    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.bob.pk)
    kept = Ban.objects.get(user=lounge.bob)
    outbox, before = Outbox(), log_rows(lounge.group)

    notes = run_action(staff_client, "lift", [Ban.objects.get(user=lounge.author)], BANS)

    assert notes == ["Lifted 1 ban(s)."]
    assert list(Ban.objects.all()) == [kept]
    assert outbox.new() == [("ban.lifted", "group", lounge.group.pk)]
    assert log_rows(lounge.group) == [("unban_user", "staff", "spammer", ""), *before]


def test_lifting_refused_changes_nothing(client, lounge):
    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.author.pk)
    ban = Ban.objects.get()
    before = content_state(lounge.group)
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ban"))
    client.force_login(viewer)

    assert changelist_ids(client, BANS) == [ban.pk]
    client.post(BANS, {"action": "lift", "_selected_action": [ban.pk]})
    assert client.post(f"{BANS}{ban.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(lounge.owner)
    assert client.post(BANS, {"action": "lift", "_selected_action": [ban.pk]}).status_code == 302

    assert content_state(lounge.group) == before


# --- a report's page, and what fits the screen ---------------------------------------------


def test_a_post_report_shows_the_post_and_links_to_it(staff_client, lounge):
    post = make_post(group=lounge.group, author=lounge.author, title="Deals", body="cheap <b>x</b>")
    filed = report(reporter=lounge.alice, post=post)

    page = staff_client.get(f"{REPORTS}{filed.pk}/change/").text

    assert f"Post #{post.pk}: <strong>Deals</strong>" in page
    assert "<p>cheap &lt;b&gt;x&lt;/b&gt;</p>" in page  # the body, escaped
    assert "by spammer" in page
    assert f'<a href="{POSTS}{post.pk}/change/">Open in the admin</a>' in page
    assert f'<a href="http://127.0.0.1:3000/p/{post.pk}">Open on the hub</a>' in page


def test_a_comment_report_shows_the_comment_and_links_to_it(staff_client, lounge):
    filed = report(reporter=lounge.alice, comment=lounge.comment)

    page = staff_client.get(f"{REPORTS}{filed.pk}/change/").text

    assert f"Comment #{lounge.comment.pk} on post #{lounge.post.pk}" in page
    assert "<p>buy now</p>" in page
    assert "by spammer" in page
    assert f'<a href="{COMMENTS}{lounge.comment.pk}/change/">Open in the admin</a>' in page
    assert f'<a href="http://127.0.0.1:3000/p/{lounge.post.pk}">Open on the hub</a>' in page


@pytest.mark.parametrize(
    "url, columns",
    [(REPORTS, 7), (POSTS, 6), (COMMENTS, 7), (BANS, 6), (LOG, 7)],
)
def test_changelists_keep_few_columns_and_short_text(staff_client, lounge, url, columns):
    long = "word " * 200
    post = make_post(group=lounge.group, author=lounge.author, title=long[:300], body=long)
    make_comment(post=post, author=lounge.author, body=long)
    report(reporter=lounge.alice, post=post)
    membership_ban(actor=lounge.owner, group=lounge.group, user_id=lounge.bob.pk, reason=long[:500])

    response = staff_client.get(url)

    shown = [name for name in response.context["cl"].list_display if name != "action_checkbox"]
    assert len(shown) == columns
    cells = re.findall(r'<t[dh] class="field-[^"]*">(.*?)</t[dh]>', response.text, re.S)
    texts = [re.sub(r"<[^>]+>", "", cell) for cell in cells]
    assert texts and max(len(text) for text in texts) <= SNIPPET_CHARS


def test_one_groups_entry_in_the_admin(staff_client):
    index = staff_client.get("/admin/").text

    assert re.findall(r">Groups<", index) == [">Groups<"]
    assert 'href="/admin/communities/group/"' in index
    assert staff_client.get("/admin/auth/group/").status_code == 404
