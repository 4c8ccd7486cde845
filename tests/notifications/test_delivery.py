"""Delivery: each event reaches exactly the people it is for, in every standing (owner, admin,
moderator, member, outsider, banned, and members who blocked, muted or left the actor, or whose
account is deactivated), once, with the levels, settings, blocks and mutes they chose; and what
someone may no longer read leaves their inbox."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Ban, JoinRequest, Visibility
from communities.services import groups, membership
from communities.services.comments import comment_hide, comment_restore
from communities.services.posts import post_hide, post_restore
from communities.services.reactions import reaction_add, reaction_remove
from communities.services.reports import report_create, report_dismiss, report_resolve
from divan.events.consumers import Event, event_apply
from notifications.delivery import mentions_in
from notifications.models import (
    GroupLevel,
    Level,
    Notification,
    PostLevel,
    RecipientChunk,
    TypeSetting,
)
from tests.factories import UserFactory
from tests.fixtures import add_member, build_world, make_comment, make_post
from tests.notifications.delivering import (
    block,
    deliver,
    inbox,
    outbox_events,
    settle,
    types_by_user,
)

pytestmark = pytest.mark.django_db


def world_with_peers(visibility: str):
    """build_world, and three more members: one who blocks the admin, one who mutes the admin,
    one whose account is deactivated; the set-up's own notifications delivered and cleared."""
    world = build_world(visibility)
    for who in ("blocker", "muter", "deactivated"):
        user = UserFactory(username=f"{visibility}-{who}")
        add_member(world.group, user)
        world.users[who] = user
    block(world.user("blocker"), world.user("admin"))
    block(world.user("muter"), world.user("admin"), kind="mute")
    deactivated = world.user("deactivated")
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    settle()
    return world


def everyone(world) -> dict:
    return {who: user for who, user in world.users.items() if user is not None}


def test_mentions_are_read_from_the_text_once_each_and_capped(settings):
    settings.NOTIFICATIONS_MENTIONS_MAX = 3
    text = "@alice, @bob. mail bob@example.com, @alice again, (@carol) @dave @erin"
    assert mentions_in(text) == ["alice", "bob", "carol"]
    assert mentions_in("x@y @ana.b.  @ü_ber-1+2 @") == ["ana.b", "ü_ber-1+2"]


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def test_a_mention_reaches_the_readers_it_names_and_nobody_else(visibility):
    world = world_with_peers(visibility)
    names = " ".join(f"@{user.username}" for user in everyone(world).values())
    post = make_post(group=world.group, author=world.user("admin"), body=f"Hello {names}")
    deliver()

    readers = ["owner", "moderator", "member"]
    if visibility == Visibility.PUBLIC:
        readers.append("outsider")  # a public group's content is everyone's to read
    # never: the author themself, the banned, who blocked or muted the author, the deactivated
    assert types_by_user(everyone(world)) == {
        who: (["mention"] if who in readers else []) for who in everyone(world)
    }
    row = Notification.objects.get(recipient=world.user("owner"))
    assert (row.group_id, row.post_id, row.comment_id, row.actor_id, row.actor_ids) == (
        world.group.pk, post.pk, None, world.user("admin").pk, [world.user("admin").pk]
    )  # fmt: skip
    assert (row.data, row.count, row.read_at, row.group_key) == (
        {"target": "post"}, 1, None, f"mention:{row.event_id}"
    )  # fmt: skip

    Notification.objects.all().delete()
    make_comment(post=post, author=world.user("admin"), body=f"Again {names}")
    deliver()
    assert types_by_user(everyone(world)) == {
        who: (["mention"] if who in readers else []) for who in everyone(world)
    }
    assert {(row.data["target"], row.comment_id) for row in Notification.objects.all()} == {
        ("comment", post.comments.get().pk)
    }


def test_a_comment_tells_each_person_once_the_first_of_mention_reply_post_reply():
    world = world_with_peers(Visibility.PUBLIC)
    member, moderator, owner = world.user("member"), world.user("moderator"), world.user("owner")
    post = make_post(group=world.group, author=member, body="My post")
    first = make_comment(post=post, author=moderator, body="A comment")
    deliver()
    assert inbox(member) == [("post_reply", moderator.pk)]  # an author watches their own post
    assert inbox(moderator) == []

    make_comment(post=post, author=owner, parent=first, body=f"Yes @{member.username}")
    deliver()
    assert inbox(moderator) == [("comment_reply", owner.pk)]
    # the post's author, mentioned: a mention, not a second item for the same comment
    assert inbox(member) == [("post_reply", moderator.pk), ("mention", owner.pk)]

    own = make_comment(post=post, author=member, parent=first, body=f"Thanks @{member.username}")
    deliver()
    assert inbox(moderator) == [("comment_reply", owner.pk), ("comment_reply", member.pk)]
    assert inbox(member) == [("post_reply", moderator.pk), ("mention", owner.pk)]  # not by self
    row = Notification.objects.get(recipient=moderator, actor=member)
    assert (row.post_id, row.comment_id, row.data) == (post.pk, own.pk, {"target": "comment"})
    # replies and mentions are mailed by default: due NOTIFICATIONS_MAIL_DELAY_SECONDS after
    assert timedelta(seconds=115) < row.mail_due_at - row.created_at <= timedelta(seconds=121)


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def test_replies_and_reactions_reach_an_author_in_every_standing(visibility):
    world = world_with_peers(visibility)
    group, admin = world.group, world.user("admin")
    authors = {who: world.user(who) for who in ("owner", "moderator", "member", "blocker", "muter")}
    for who in ("banned", "deactivated", "leaver"):  # each wrote a post while a member
        authors[who] = UserFactory(username=f"{visibility}-{who}-author")
        add_member(group, authors[who])
    posts = {who: make_post(group=group, author=user, body="Mine") for who, user in authors.items()}
    membership.membership_ban(actor=world.user("owner"), group=group, user_id=authors["banned"].pk)
    authors["deactivated"].is_active = False
    authors["deactivated"].save(update_fields=["is_active"])
    membership.group_leave(user=authors["leaver"], group=group)
    settle()

    for post in posts.values():
        make_comment(post=post, author=admin, body="A reply")
        reaction_add(user=admin, kind="like", post=post)
    deliver()
    told = ["owner", "moderator", "member"]
    if visibility == Visibility.PUBLIC:
        told.append("leaver")  # may still read what they wrote in a public group
    assert types_by_user(authors) == {
        who: (["post_reply", "reaction"] if who in told else []) for who in authors
    }


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE])
def test_group_levels_watching_default_and_muted(visibility, settings):
    settings.NOTIFICATIONS_CHUNK = 2
    world = world_with_peers(visibility)
    watching = ["owner", "moderator", "outsider", "banned", "blocker", "muter", "deactivated"]
    for who in watching:
        GroupLevel.objects.create(user=world.user(who), group=world.group, level=Level.WATCHING)
    GroupLevel.objects.create(user=world.user("member"), group=world.group, level=Level.MUTED)
    post = make_post(
        group=world.group, author=world.user("admin"),
        body=f"News for @{world.user('moderator').username} and @{world.user('member').username}",
    )  # fmt: skip
    deliver()

    expected = {who: [] for who in everyone(world)}
    expected["owner"] = ["group_post"]
    expected["moderator"] = ["mention"]  # watching and mentioned: once, the mention
    if visibility == Visibility.PUBLIC:
        expected["outsider"] = ["group_post"]  # watching a public group it may read
    # muted: not even the mention; banned, blocked, muted, deactivated: nothing
    assert types_by_user(everyone(world)) == expected
    row = Notification.objects.get(recipient=world.user("owner"))
    assert (row.post_id, row.actor_id, row.mail_due_at) == (post.pk, world.user("admin").pk, None)
    # the 7 watchers by user id, in chunks of two (the last alone), each done with its rows
    ids = sorted(world.user(who).pk for who in watching)
    chunks = RecipientChunk.objects.filter(type="group_post").order_by("after_user_id")
    assert [(c.after_user_id, c.last_user_id) for c in chunks] == [
        (0, ids[1]), (ids[1], ids[3]), (ids[3], ids[5]), (ids[5], ids[6])
    ]  # fmt: skip
    assert all(chunk.done_at for chunk in chunks)
    assert sum(chunk.rows for chunk in chunks) == len(expected["owner"] + expected["outsider"])


def test_post_levels_watching_muted_and_the_authors_own_post():
    world = world_with_peers(Visibility.PUBLIC)
    admin, member, owner = world.user("admin"), world.user("member"), world.user("owner")
    post = make_post(group=world.group, author=admin, body="Thread")
    for who in ("member", "outsider", "blocker", "banned"):
        PostLevel.objects.create(user=world.user(who), post=post, level=Level.WATCHING)
    PostLevel.objects.create(user=world.user("moderator"), post=post, level=Level.MUTED)
    settle()

    make_comment(post=post, author=owner, body=f"First, @{world.user('moderator').username}")
    deliver()
    expected = {who: [] for who in everyone(world)}
    expected.update(admin=["post_reply"], member=["thread_comment"], outsider=["thread_comment"])
    expected["blocker"] = ["thread_comment"]  # the blocker blocked the admin, not the owner
    assert types_by_user(everyone(world)) == expected  # the moderator muted it: no mention

    # the author mutes their own post: nothing more from it; the watchers still hear
    Notification.objects.all().delete()
    PostLevel.objects.create(user=admin, post=post, level=Level.MUTED)
    make_comment(post=post, author=member, body="Second")
    deliver()
    assert types_by_user(everyone(world)) == {
        **{who: [] for who in everyone(world)}, "outsider": ["thread_comment"],
        "blocker": ["thread_comment"],
    }  # fmt: skip
    # a comment by the admin: who blocked them hears nothing of it
    Notification.objects.all().delete()
    make_comment(post=post, author=admin, body="Third")
    deliver()
    assert types_by_user(everyone(world)) == {
        **{who: [] for who in everyone(world)}, "member": ["thread_comment"],
        "outsider": ["thread_comment"],
    }  # fmt: skip


def test_type_settings_turn_a_type_off_or_mail_it():
    world = world_with_peers(Visibility.PUBLIC)
    member, moderator, owner = world.user("member"), world.user("moderator"), world.user("owner")
    post = make_post(group=world.group, author=member, body="Post")
    TypeSetting.objects.create(user=member, type="post_reply", delivery="off")
    TypeSetting.objects.create(user=member, type="reaction", delivery="mail")
    TypeSetting.objects.create(user=owner, type="mention", delivery="hub")
    settle()

    comment = make_comment(post=post, author=moderator, body=f"@{owner.username} look")
    reaction_add(user=moderator, kind="like", post=post)
    reaction_add(user=member, kind="like", comment=comment)
    deliver()
    assert inbox(member) == [("reaction", moderator.pk)]  # the reply is off for them
    assert Notification.objects.get(recipient=member).mail_due_at is not None  # mail, by choice
    assert Notification.objects.get(recipient=owner).mail_due_at is None  # a mention in the hub
    assert Notification.objects.get(recipient=moderator).mail_due_at is None  # reactions: hub


def test_blocks_and_mutes_silence_a_peer_not_a_moderator():
    world = world_with_peers(Visibility.PUBLIC)
    admin, blocker, muter = world.user("admin"), world.user("blocker"), world.user("muter")
    member = world.user("member")  # who keeps the admin: the same actions tell them
    posts = []
    for user in (blocker, muter, member):
        post = make_post(group=world.group, author=user, body="Mine")
        comment = make_comment(post=post, author=user, body="Mine too")
        make_comment(post=post, author=admin, parent=comment, body=f"@{user.username}")
        reaction_add(user=admin, kind="like", post=post)
        reaction_add(user=admin, kind="like", comment=comment)
        posts.append(post)
    deliver()
    # the admin's replies, mentions and reactions tell neither who blocked nor who muted them
    assert inbox(blocker) == [] and inbox(muter) == []
    assert inbox(member) == [("mention", admin.pk), ("reaction", admin.pk), ("reaction", admin.pk)]

    # a moderator's decision is told whoever took it
    for post in posts:
        post_hide(actor=admin, post=post, reason="off topic")
    deliver()
    assert inbox(blocker) == [("content_hidden", admin.pk)]
    assert inbox(muter) == [("content_hidden", admin.pk)]
    # one way: the admin hears of what the blocker does
    admins_post = make_post(group=world.group, author=admin, body="The admin's")
    make_comment(post=admins_post, author=blocker, body="Hi")
    deliver()
    assert inbox(admin) == [("post_reply", blocker.pk)]


def test_reactions_fold_per_target_and_hour(settings):
    settings.NOTIFICATIONS_FOLD_SECONDS = 10**9  # one bucket, whatever the clock says
    world = world_with_peers(Visibility.PUBLIC)
    member = world.user("member")
    post = make_post(group=world.group, author=member, body="React")
    comment = make_comment(post=post, author=member, body="React here too")
    fans = UserFactory.create_batch(13)
    for user in fans:
        membership.group_join(user=user, group=world.group)
    settle()

    for user in fans:
        reaction_add(user=user, kind="like", post=post)
    reaction_add(user=member, kind="like", post=post)  # their own: nothing
    deliver()
    (row,) = Notification.objects.filter(recipient=member)
    assert (row.type, row.count, row.post_id, row.comment_id) == ("reaction", 13, post.pk, None)
    assert row.actor_ids == [fans[12].pk, fans[11].pk, fans[10].pk]  # the newest three
    assert (row.actor_id, row.data) == (fans[12].pk, {"target": "post", "kinds": ["like"]})

    # read, then one more kind by someone already kept: unread again, the kind added, the
    # actor first, no actor twice
    Notification.objects.filter(pk=row.pk).update(read_at=timezone.now())
    reaction_add(user=fans[11], kind="love", post=post)
    reaction_remove(user=fans[0], kind="like", post=post)  # taking back changes nothing
    deliver()
    row.refresh_from_db()
    assert (row.count, row.read_at, row.data["kinds"]) == (14, None, ["like", "love"])
    assert row.actor_ids == [fans[11].pk, fans[12].pk, fans[10].pk]
    assert row.updated_at > row.created_at

    # another target: an item of its own
    reaction_add(user=fans[0], kind="wow", comment=comment)
    deliver()
    on_comment = Notification.objects.get(recipient=member, comment=comment)
    assert (on_comment.count, on_comment.data) == (1, {"target": "comment", "kinds": ["wow"]})
    assert Notification.objects.filter(recipient=member).count() == 2


def test_a_reaction_in_the_next_hour_starts_a_new_item():
    world = world_with_peers(Visibility.PUBLIC)
    member, owner = world.user("member"), world.user("owner")
    post = make_post(group=world.group, author=member, body="React")
    settle()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    payload = {
        "post_id": post.pk, "comment_id": None, "group_id": world.group.pk,
        "visibility": "public", "kind": "like", "user_id": owner.pk, "actor_id": owner.pk,
    }  # fmt: skip
    for at in (hour, hour + timedelta(minutes=59), hour + timedelta(minutes=60)):
        event = Event(
            event_id=str(uuid.uuid4()), type="reaction.added",
            aggregate_type="post", aggregate_id=post.pk, payload=payload,
            created_at=at.isoformat(),
        )  # fmt: skip
        assert event_apply("notifications", event)
    counts = list(
        Notification.objects.filter(recipient=member).order_by("id").values_list("count", flat=True)
    )
    assert counts == [2, 1]


def test_moderators_hear_of_join_requests_and_reports_folded_per_group(settings):
    settings.NOTIFICATIONS_FOLD_SECONDS = 10**9
    world = world_with_peers(Visibility.PRIVATE)
    moderator, member = world.user("moderator"), world.user("member")
    asking = UserFactory.create_batch(2)
    for user in asking:
        membership.group_join(user=user, group=world.group)
    post = make_post(group=world.group, author=world.user("owner"), body="Reported")
    report_create(reporter=member, post_id=post.pk, reason="spam")
    deliver()

    expected = {who: [] for who in everyone(world)}
    for who in ("owner", "admin", "moderator"):
        expected[who] = ["join_request_new", "report_new"]
    assert types_by_user(everyone(world)) == expected
    requests = Notification.objects.get(recipient=moderator, type="join_request_new")
    assert (requests.count, requests.actor_ids) == (2, [asking[1].pk, asking[0].pk])
    assert (requests.group_id, requests.post_id) == (world.group.pk, None)
    reports = Notification.objects.get(recipient=moderator, type="report_new")
    assert (reports.count, reports.actor_id) == (1, member.pk)


def test_decisions_reach_the_person_they_are_about():
    world = world_with_peers(Visibility.PRIVATE)
    group = world.group
    owner, moderator, member = world.user("owner"), world.user("moderator"), world.user("member")
    approved, denied, invited = UserFactory.create_batch(3)
    for user in (approved, denied):
        membership.group_join(user=user, group=group)
    settle()

    def request_of(user) -> int:
        return JoinRequest.objects.get(group=group, user=user).pk

    membership.join_request_approve(actor=moderator, group=group, request_id=request_of(approved))
    membership.join_request_deny(actor=moderator, group=group, request_id=request_of(denied))
    membership.invitation_create(actor=moderator, group=group, user_id=invited.pk)
    post = make_post(group=group, author=member, body="Mine")
    comment = make_comment(post=post, author=member, body="Mine too")
    post_hide(actor=moderator, post=post, reason="spam")
    post_restore(actor=moderator, post=post, reason="fine after all")
    comment_hide(actor=moderator, comment=comment, reason="rude")
    comment_restore(actor=moderator, comment=comment, reason="")
    report = report_create(reporter=member, post_id=post.pk, reason="spam")[0]
    other = report_create(reporter=approved, post_id=post.pk, reason="spam")[0]
    report_resolve(actor=owner, report=report, note="done")
    report_dismiss(actor=owner, report=other)
    deliver()  # recipients are read as they are when an event is delivered: before the change
    membership.membership_change_role(actor=owner, group=group, user_id=member.pk, role="moderator")
    deliver()

    assert inbox(approved) == [
        ("join_request_approved", moderator.pk),
        ("report_resolved", owner.pk),
    ]
    assert inbox(denied) == [("join_request_denied", moderator.pk)]
    assert inbox(invited) == [("invitation", moderator.pk)]
    member_rows = Notification.objects.filter(recipient=member).order_by("id")
    assert [(row.type, row.data, row.comment_id) for row in member_rows] == [
        ("content_hidden", {"target": "post", "reason": "spam"}, None),
        ("content_restored", {"target": "post", "reason": "fine after all"}, None),
        ("content_hidden", {"target": "comment", "reason": "rude"}, comment.pk),
        ("content_restored", {"target": "comment", "reason": ""}, comment.pk),
        ("report_resolved", {"outcome": "resolved", "target": "post"}, None),
        ("role_changed", {"role": "moderator"}, None),
    ]
    assert Notification.objects.get(recipient=approved, type="report_resolved").data == {
        "outcome": "dismissed", "target": "post"
    }  # fmt: skip
    # a ban, lifted; another that expires
    Notification.objects.all().delete()
    membership.membership_ban(actor=owner, group=group, user_id=approved.pk, reason="trolling")
    membership.membership_unban(actor=owner, group=group, user_id=approved.pk)
    expires = timezone.now() + timedelta(hours=1)
    membership.membership_ban(actor=owner, group=group, user_id=denied.pk, expires_at=expires)
    Ban.objects.filter(user=denied).update(expires_at=timezone.now() - timedelta(seconds=1))
    membership.ban_purge_expired()
    deliver()
    assert inbox(approved) == [("banned", owner.pk), ("unbanned", owner.pk)]
    assert Notification.objects.get(recipient=approved, type="banned").data == {
        "reason": "trolling"
    }
    assert inbox(denied) == [("banned", owner.pk), ("unbanned", None)]


def test_leaving_removal_a_ban_and_secrecy_take_the_groups_content_out_of_inboxes():
    world = world_with_peers(Visibility.PUBLIC)
    group, admin = world.group, world.user("admin")
    stayer, leaver, removed, banned = UserFactory.create_batch(4)
    for user in (stayer, leaver, removed, banned):
        membership.group_join(user=user, group=group)
    outsider = world.user("outsider")
    other = groups.group_create(creator=admin, name="Elsewhere", visibility="public")
    membership.group_join(user=leaver, group=other)
    settle()
    people = [stayer, leaver, removed, banned, outsider]
    names = " ".join(f"@{user.username}" for user in people)
    post = make_post(group=group, author=admin, body=names)
    for user in people[:4]:
        own = make_post(group=group, author=user, body="Mine")
        make_comment(post=own, author=admin, body="Reply")
    make_post(group=other, author=admin, body=f"@{leaver.username} here too")
    membership.membership_change_role(actor=admin, group=group, user_id=stayer.pk, role="moderator")
    deliver()
    assert len(inbox(leaver)) == 3 and len(inbox(outsider)) == 1

    membership.group_leave(user=leaver, group=group)
    membership.membership_remove(actor=admin, group=group, user_id=removed.pk)
    membership.membership_ban(actor=admin, group=group, user_id=banned.pk, reason="no")
    deliver()
    assert [t for t, _ in inbox(leaver)] == ["mention"]  # the other group's
    assert Notification.objects.get(recipient=leaver).group_id == other.pk
    assert inbox(removed) == []
    assert inbox(banned) == [("banned", admin.pk)]  # about them, not the group's content
    assert [t for t, _ in inbox(stayer)] == ["mention", "post_reply", "role_changed"]

    # the group becomes secret: who may no longer read it keeps nothing of it
    groups.group_update(actor=world.user("owner"), group=group, visibility="secret")
    deliver()
    assert inbox(outsider) == []
    assert [t for t, _ in inbox(stayer)] == ["mention", "post_reply", "role_changed"]
    assert inbox(banned) == [("banned", admin.pk)]

    # archived: nothing of it is left anywhere
    groups.group_archive(actor=world.user("owner"), group=group)
    deliver()
    assert not Notification.objects.filter(group=group).exists()
    assert Notification.objects.filter(group=other).count() == 1
    assert post.pk  # the post stays; only the items went


def test_the_same_event_applied_twice_notifies_once():
    world = world_with_peers(Visibility.PUBLIC)
    member, owner = world.user("member"), world.user("owner")
    post = make_post(group=world.group, author=member, body="Twice")
    settle()
    reaction_add(user=owner, kind="like", post=post)
    make_comment(post=post, author=owner, body="Twice")
    events = outbox_events("reaction.added", "comment.created")
    assert [event_apply("notifications", event) for event in events] == [True, True]
    assert [event_apply("notifications", event) for event in events] == [False, False]
    deliver()  # and the stream's copies: found applied
    rows = Notification.objects.filter(recipient=member).order_by("id")
    assert [(row.type, row.count) for row in rows] == [("reaction", 1), ("post_reply", 1)]
