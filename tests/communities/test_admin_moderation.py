"""The Django admin's moderation view: open reports first, and actions that hide content,
dismiss reports and ban authors through the services, each written to the moderation log."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import (
    Ban,
    Membership,
    ModerationAction,
    ModerationLogEntry,
    Report,
    ReportStatus,
)
from communities.services.membership import membership_ban
from communities.services.reports import report_dismiss, report_resolve
from tests.factories import UserFactory
from tests.fixtures import add_member, make_group
from tests.moderation_helpers import log_rows, make_comment, make_post, report

pytestmark = pytest.mark.django_db

REPORTS = "/admin/communities/report/"
LOG = "/admin/communities/moderationlogentry/"


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


def run_action(client, action: str, reports) -> list[str]:
    response = client.post(
        REPORTS, {"action": action, "_selected_action": [r.pk for r in reports]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def changelist_ids(client, **params) -> list[int]:
    response = client.get(REPORTS, params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


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

    assert notes == ["Banned 1 author(s) from their group."]
    ban = Ban.objects.get(group=lounge.group, user=lounge.author)
    assert (ban.banned_by, ban.reason) == (staff, f"Report #{on_post.pk}: Spam")
    assert not Membership.objects.filter(group=lounge.group, user=lounge.author).exists()
    lounge.group.refresh_from_db()
    assert lounge.group.member_count == members_before - 1
    assert log_rows(lounge.group) == [
        ("ban_user", "staff", "spammer", f"Report #{on_post.pk}: Spam"),
        *before,
    ]
    entry = ModerationLogEntry.objects.get(action=ModerationAction.BAN_USER, actor=staff)
    assert entry.report == on_post
    # Banning leaves the reports for a decision of their own.
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.OPEN}


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
