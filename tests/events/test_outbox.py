"""Every change writes its event in its own transaction: each service and each admin action,
walked one by one, writes exactly the events it should, and a refused or rolled-back change
writes none."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from communities.models import Ban, Comment, Invitation, JoinRequest, Post, Report, Upload
from communities.services import (
    comments,
    groups,
    membership,
    posts,
    reactions,
    reports,
    uploads,
)
from divan.events.models import OutboxEvent
from divan.events.outbox import EVENT_TYPES, event_record
from divan.exceptions import DomainError
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


class Events:
    """The events written since the last look."""

    def __init__(self):
        self.seen = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[OutboxEvent]:
        rows = list(OutboxEvent.objects.filter(id__gt=self.seen).order_by("id"))
        if rows:
            self.seen = rows[-1].id
        return rows

    def types(self) -> list[str]:
        return [event.type for event in self.new()]


def test_every_service_writes_its_events():
    owner, admin, member, other = (UserFactory() for _ in range(4))
    events = Events()
    written = set()

    def expect(types: list[str]) -> list[OutboxEvent]:
        rows = events.new()
        assert [row.type for row in rows] == types
        written.update(types)
        return rows

    group = groups.group_create(creator=owner, name="Walk", visibility="public", tags=["a"])
    created, joined = expect(["group.created", "membership.joined"])
    assert created.payload == {
        "group_id": group.pk, "visibility": "public", "actor_id": owner.pk,
        "name": "Walk", "slug": "walk", "tags": ["a"],
    }  # fmt: skip
    assert joined.payload["role"] == "owner" and joined.payload["via"] == "create"
    assert (created.aggregate_type, created.aggregate_id) == ("group", group.pk)

    membership.group_join(user=admin, group=group)
    expect(["membership.joined"])
    membership.membership_change_role(actor=owner, group=group, user_id=admin.pk, role="admin")
    (changed,) = expect(["membership.role_changed"])
    assert changed.payload["changes"] == {"role": ["member", "admin"]}
    membership.group_join(user=member, group=group)
    expect(["membership.joined"])

    group = groups.group_update(actor=admin, group=group, visibility="private", description="New")
    updated, visibility = expect(["group.updated", "group.visibility_changed"])
    assert updated.payload["changes"] == {
        "visibility": ["public", "private"], "description": ["", "New"]
    }  # fmt: skip
    assert visibility.payload["changes"] == ["public", "private"]
    assert visibility.payload["visibility"] == "private"

    outcome = membership.group_join(user=other, group=group)
    expect(["join_request.created"])
    membership.join_request_deny(actor=admin, group=group, request_id=outcome.join_request.pk)
    expect(["join_request.denied"])
    outcome = membership.group_join(user=other, group=group)
    expect(["join_request.created"])
    membership.join_request_approve(actor=admin, group=group, request_id=outcome.join_request.pk)
    expect(["membership.joined", "join_request.approved"])
    membership.membership_remove(actor=admin, group=group, user_id=other.pk)
    expect(["membership.removed"])

    invitation, _ = membership.invitation_create(actor=admin, group=group, user_id=other.pk)
    expect(["invitation.created"])
    membership.invitation_cancel(actor=other, group=group, invitation_id=invitation.pk)
    expect(["invitation.declined"])
    invitation, _ = membership.invitation_create(actor=admin, group=group, user_id=other.pk)
    expect(["invitation.created"])
    membership.invitation_cancel(actor=admin, group=group, invitation_id=invitation.pk)
    expect(["invitation.revoked"])
    membership.group_join(user=other, group=group)  # a request, then an invitation answers it
    membership.invitation_create(actor=admin, group=group, user_id=other.pk)
    events.new()
    membership.group_join(user=other, group=group)
    expect(["membership.joined", "invitation.accepted", "join_request.approved"])
    membership.group_leave(user=other, group=group)
    expect(["membership.left"])

    membership.group_join(user=other, group=group)  # pending, and invited: a ban ends both
    membership.invitation_create(actor=admin, group=group, user_id=other.pk)
    events.new()
    membership.membership_ban(actor=admin, group=group, user_id=other.pk, reason="spam")
    expect(["ban.created", "join_request.denied", "invitation.revoked"])
    membership.membership_unban(actor=admin, group=group, user_id=other.pk)
    expect(["ban.lifted"])
    membership.membership_ban(
        actor=admin, group=group, user_id=member.pk, expires_at=timezone.now() + timedelta(days=1)
    )
    expect(["membership.removed", "ban.created"])
    Ban.objects.filter(group=group, user=member).update(expires_at=timezone.now())
    assert membership.ban_purge_expired() == 1
    (expired,) = expect(["ban.expired"])
    assert expired.payload["user_id"] == member.pk and expired.payload["actor_id"] is None

    post = posts.post_create(author=admin, group=group, title="T", body="B", tags=["x", "y"])
    (post_created,) = expect(["post.created"])
    assert post_created.payload == {
        "post_id": post.pk, "group_id": group.pk, "visibility": "private",
        "author_id": admin.pk, "actor_id": admin.pk, "tags": ["x", "y"],
    }  # fmt: skip
    posts.post_update(actor=admin, post=post, body="B2", tags=["y", "z"])
    (edited,) = expect(["post.edited"])
    assert edited.payload["changed_fields"] == ["body", "tags"]  # the text itself stays in the row
    assert edited.payload["changes"] == {"tags": [["x", "y"], ["y", "z"]]}
    assert "B2" not in str(edited.payload)
    for act, event_type in (
        (posts.post_pin, "post.pinned"),
        (posts.post_unpin, "post.unpinned"),
        (posts.post_lock, "post.locked"),
        (posts.post_unlock, "post.unlocked"),
        (posts.post_hide, "post.hidden"),
        (posts.post_restore, "post.restored"),
    ):
        act(actor=owner, post=post)
        expect([event_type])

    comment = comments.comment_create(author=admin, post=post, body="C")
    (comment_created,) = expect(["comment.created"])
    assert comment_created.payload["comment_id"] == comment.pk
    assert comment_created.payload["post_id"] == post.pk
    comments.comment_update(actor=admin, comment=comment, body="C2")
    (comment_edited,) = expect(["comment.edited"])
    assert comment_edited.payload["changed_fields"] == ["body"]
    assert "C2" not in str(comment_edited.payload)
    comments.comment_hide(actor=owner, comment=comment)
    expect(["comment.hidden"])
    comments.comment_restore(actor=owner, comment=comment)
    expect(["comment.restored"])

    reactions.reaction_add(user=owner, kind="like", post=post)
    (added,) = expect(["reaction.added"])
    assert added.payload["kind"] == "like" and added.payload["comment_id"] is None
    reactions.reaction_add(user=owner, kind="like", post=post)  # exists: nothing changed
    expect([])
    reactions.reaction_remove(user=owner, kind="like", post=post)
    expect(["reaction.removed"])
    reactions.reaction_remove(user=owner, kind="like", post=post)  # gone: nothing changed
    expect([])
    comment = Comment.objects.select_related("post__group").get(pk=comment.pk)
    reactions.reaction_add(user=owner, kind="love", comment=comment)
    (on_comment,) = expect(["reaction.added"])
    assert (on_comment.aggregate_type, on_comment.payload["comment_id"]) == ("comment", comment.pk)
    reactions.reaction_remove(user=owner, kind="love", comment=comment)
    expect(["reaction.removed"])

    report, _ = reports.report_create(reporter=owner, comment_id=comment.pk, reason="spam")
    expect(["report.created"])
    reports.report_resolve(actor=admin, report=report, hide_content=True)
    expect(["comment.hidden", "report.resolved"])
    report, _ = reports.report_create(reporter=owner, post_id=post.pk, reason="spam")
    reports.report_dismiss(actor=admin, report=report)
    expect(["report.created", "report.dismissed"])

    upload, _ = uploads.upload_start(
        owner=admin,
        filename="a.pdf",
        content_type="application/pdf",
        size=9,
        site="http://testserver",
    )
    expect([])
    Upload.objects.filter(pk=upload.pk).update(status="ready")  # as its completion would
    posts.post_update(actor=admin, post=post, attachments=[upload.pk])
    (attached, _edited) = expect(["attachment.added", "post.edited"])
    assert (attached.payload["upload_id"], attached.payload["post_id"]) == (str(upload.pk), post.pk)
    posts.post_update(actor=admin, post=post, attachments=[])
    expect(["attachment.removed", "post.edited"])

    comments.comment_delete(actor=admin, comment=comment)
    expect(["comment.deleted"])
    posts.post_delete(actor=admin, post=post)
    expect(["post.deleted"])
    groups.group_archive(actor=owner, group=group)
    expect(["group.archived"])

    assert written == EVENT_TYPES  # every type was written by some service


def test_the_admin_writes_events_through_the_services(admin_client):
    owner, author = UserFactory(), UserFactory()
    group = groups.group_create(creator=owner, name="Old", visibility="public")
    membership.group_join(user=author, group=group)
    post = posts.post_create(author=author, group=group, body="Spam")
    report, _ = reports.report_create(reporter=UserFactory(), post_id=post.pk, reason="spam")
    other = posts.post_create(author=author, group=group, body="Fine")
    second, _ = reports.report_create(reporter=UserFactory(), post_id=other.pk, reason="spam")
    third, _ = reports.report_create(reporter=owner, post_id=other.pk, reason="spam")
    events = Events()
    url = f"/admin/communities/group/{group.pk}/change/"

    response = admin_client.post(url, {"name": "New", "description": "D", "slug": "hack",
                                       "visibility": "secret"})  # fmt: skip
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.slug, group.visibility) == ("New", "old", "public")
    (updated,) = events.new()
    assert updated.type == "group.updated"
    assert updated.payload["changes"] == {"name": ["Old", "New"], "description": ["", "D"]}

    reports_url = "/admin/communities/report/"
    admin_client.post(reports_url, {"action": "ban_author", "_selected_action": [report.pk]})
    assert events.types() == ["membership.removed", "ban.created", "report.resolved"]
    admin_client.post(reports_url, {"action": "hide_content", "_selected_action": [report.pk]})
    assert events.types() == []  # the ban resolved it
    admin_client.post(reports_url, {"action": "hide_content", "_selected_action": [second.pk]})
    assert events.types() == ["post.hidden", "report.resolved"]
    admin_client.post(reports_url, {"action": "dismiss", "_selected_action": [third.pk]})
    assert events.types() == ["report.dismissed"]

    admin_client.post("/admin/communities/group/",
                      {"action": "archive", "_selected_action": [group.pk]})  # fmt: skip
    assert events.types() == ["group.archived"]
    group.refresh_from_db()
    assert group.archived_at is not None


def test_a_refused_change_writes_no_event():
    owner, outsider = UserFactory(), UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    post = posts.post_create(author=owner, group=group, body="x")
    events = Events()

    for refused in (
        lambda: posts.post_create(author=outsider, group=group, body="x"),
        lambda: posts.post_hide(actor=outsider, post=post),
        lambda: groups.group_update(actor=outsider, group=group, name="Mine"),
        lambda: membership.group_leave(user=owner, group=group),  # the last owner stays
        lambda: reactions.reaction_add(user=outsider, kind="like", post=post),
    ):
        with pytest.raises(DomainError):
            refused()
    assert events.new() == []


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        event_record("post.created", aggregate_type="post", aggregate_id=1, payload={})
    with transaction.atomic(), pytest.raises(ValueError):
        event_record("post.teleported", aggregate_type="post", aggregate_id=1, payload={})
    assert OutboxEvent.objects.count() == 0


def test_1000_changes_with_random_rollbacks_leave_one_event_per_committed_change():
    owner = UserFactory()
    members = [UserFactory() for _ in range(5)]
    group = groups.group_create(creator=owner, name="R", visibility="public")
    for user in members:
        membership.group_join(user=user, group=group)
    post = posts.post_create(author=owner, group=group, body="x")
    events = Events()
    rng = random.Random(8)
    committed = []

    class Rollback(Exception):
        pass

    for _ in range(1000):
        user = rng.choice(members)
        kind = rng.choice(["like", "love", "laugh"])
        roll_back = rng.random() < 0.3
        try:
            with transaction.atomic():
                if rng.random() < 0.5:
                    changed = reactions.reaction_remove(user=user, kind=kind, post=post)
                    event_type = "reaction.removed"
                else:
                    changed = reactions.reaction_add(user=user, kind=kind, post=post)[1]
                    event_type = "reaction.added"
                if roll_back:
                    raise Rollback
        except Rollback:
            continue
        if changed:
            committed.append((event_type, user.pk, kind))

    rows = events.new()
    assert [(e.type, e.payload["user_id"], e.payload["kind"]) for e in rows] == committed
    assert len({e.event_id for e in rows}) == len(rows)
    post.refresh_from_db()
    adds = sum(1 for event_type, _, _ in committed if event_type == "reaction.added")
    assert post.reactions_count == adds - (len(committed) - adds)


def test_the_api_writes_the_event_of_a_change():
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    events = Events()

    response = client_for(owner).post(
        f"/api/communities/v1/groups/{group.pk}/posts/", {"body": "Hello"}, format="json"
    )

    assert response.status_code == 201
    (event,) = events.new()
    assert (event.type, event.aggregate_id) == ("post.created", response.json()["id"])
    assert Post.objects.count() == 1 and Report.objects.count() == 0
    assert JoinRequest.objects.count() == 0 and Invitation.objects.count() == 0
