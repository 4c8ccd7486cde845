"""Comments: who may read and write them in every kind of group, threads, counters, bad input."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from communities.models import Comment, ModerationAction, ModerationLogEntry, Post
from communities.models.comments import PATH_SEGMENT_WIDTH
from communities.services.comments import comment_delete, comment_hide, comment_restore
from communities.services.reactions import reaction_add
from tests.content_helpers import API, live_comments, lock, make_comment, make_post, snapshot
from tests.factories import UserFactory
from tests.fixtures import add_member, build_world, client_for

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "outsider", "banned", "member", "author", "moderator", "admin", "owner")
MODERATORS = ("moderator", "admin", "owner")


@pytest.fixture
def scene(world):
    """The world, plus a member who wrote a post and a comment on it."""
    author = UserFactory(username=f"{world.group.visibility}-author")
    add_member(world.group, author)
    world.users["author"] = author
    world.post = make_post(world.group, author)
    world.comment = make_comment(world.post, author, "First!")
    return world


def comments_url(post) -> str:
    return f"{API}/posts/{post.pk}/comments/"


def comment_url(comment, suffix: str = "") -> str:
    return f"{API}/comments/{comment.pk}/{suffix}"


def for_non_members(world, *, public: int) -> int:
    """Non-members see a public group's content but may not write it; elsewhere it is a 404."""
    return public if world.group.visibility == "public" else 404


def expected_read(world, who: str) -> int:
    if who in ("anonymous", "outsider", "banned"):
        return for_non_members(world, public=200)
    return 200


def expected_write(world, who: str, *, allowed: tuple, success: int) -> int:
    if who == "anonymous":
        return 401
    if who in ("outsider", "banned"):
        return for_non_members(world, public=403)
    return success if who in allowed else 403


# --- the permission matrix -----------------------------------------------------------------
# One world per visibility; each viewer acts in turn (on a fresh comment where the action uses
# it up), and the whole row of status codes is compared at once.


def expected_row(world, *, allowed: tuple, success: int) -> dict:
    return {who: expected_write(world, who, allowed=allowed, success=success) for who in WHO}


def test_thread_and_detail_reads(scene):
    threads, details = {}, {}
    for who in WHO:
        client = scene.client(who)
        thread = client.get(comments_url(scene.post))
        detail = client.get(comment_url(scene.comment))
        threads[who], details[who] = thread.status_code, detail.status_code
        if thread.status_code == 200:
            assert [c["id"] for c in thread.json()["results"]] == [scene.comment.pk]
            assert detail.json()["body"] == "First!"
        else:
            assert "results" not in thread.json()
            assert "body" not in detail.json()

    expected = {who: expected_read(scene, who) for who in WHO}
    assert threads == expected
    assert details == expected


def test_comment_create(scene):
    got = {}
    for who in WHO:
        before = snapshot()
        count = Post.objects.get(pk=scene.post.pk).comments_count
        response = scene.client(who).post(
            comments_url(scene.post), {"body": f"Hello from {who}", "parent": scene.comment.pk},
            format="json",
        )  # fmt: skip
        got[who] = response.status_code
        if response.status_code == 201:
            created = Comment.objects.get(pk=response.json()["id"])
            assert (created.author, created.parent, created.depth, created.body) == (
                scene.user(who), scene.comment, 2, f"Hello from {who}"
            )  # fmt: skip
            assert Post.objects.get(pk=scene.post.pk).comments_count == count + 1
        else:
            assert snapshot() == before
        if who in ("banned", "outsider") and scene.group.visibility == "public":
            assert response.json() == {
                "detail": "You are banned from this group."
                if who == "banned"
                else "Only members of this group can comment."
            }

    assert got == expected_row(scene, allowed=("member", "author", *MODERATORS), success=201)


def test_comment_edit(scene):
    got = {}
    for who in WHO:
        before = snapshot()
        response = scene.client(who).patch(
            comment_url(scene.comment), {"body": f"Edited by {who}"}, format="json"
        )
        got[who] = response.status_code
        comment = Comment.objects.get(pk=scene.comment.pk)
        if response.status_code == 200:
            assert response.json()["body"] == comment.body == f"Edited by {who}"
            assert comment.edited_at is not None
            assert response.json()["edited_at"] is not None
        else:
            assert snapshot() == before

    assert got == expected_row(scene, allowed=("author",), success=200)


def test_comment_delete(scene):
    got = {}
    for who in WHO:
        comment = make_comment(scene.post, scene.user("author"), f"For {who} to delete")
        before = snapshot()
        log_before = ModerationLogEntry.objects.count()
        count = Post.objects.get(pk=scene.post.pk).comments_count
        response = scene.client(who).delete(comment_url(comment))
        got[who] = response.status_code
        comment.refresh_from_db()  # the row stays for the audit
        if response.status_code == 204:
            assert comment.deleted_at is not None
            assert comment.deleted_by == scene.user(who)
            assert comment.body == f"For {who} to delete"
            assert Post.objects.get(pk=scene.post.pk).comments_count == count - 1
            log = ModerationLogEntry.objects.filter(pk__gt=0).order_by("pk")[log_before:]
            if who == "author":
                assert list(log) == []
            else:
                assert [(e.action, e.actor, e.comment, e.target_user) for e in log] == [
                    (ModerationAction.DELETE_COMMENT, scene.user(who), comment,
                     scene.user("author"))
                ]  # fmt: skip
        else:
            assert snapshot() == before

    assert got == expected_row(scene, allowed=("author", *MODERATORS), success=204)


def test_comment_hide(scene):
    got = {}
    for who in WHO:
        comment = make_comment(scene.post, scene.user("author"), f"For {who} to hide")
        before = snapshot()
        count = Post.objects.get(pk=scene.post.pk).comments_count
        response = scene.client(who).post(
            comment_url(comment, "hide/"), {"reason": f"rude, says {who}"}, format="json"
        )
        got[who] = response.status_code
        if response.status_code == 200:
            comment.refresh_from_db()
            assert comment.hidden_at is not None
            assert comment.hidden_by == scene.user(who)
            assert response.json()["hidden"] is True
            assert response.json()["body"] == f"For {who} to hide"  # moderators still read it
            assert Post.objects.get(pk=scene.post.pk).comments_count == count - 1
            entry = ModerationLogEntry.objects.latest("pk")
            assert (entry.action, entry.actor, entry.comment, entry.post, entry.reason) == (
                ModerationAction.HIDE_COMMENT, scene.user(who), comment, scene.post,
                f"rude, says {who}",
            )  # fmt: skip
            assert (entry.group, entry.target_user) == (scene.group, scene.user("author"))
        else:
            assert snapshot() == before

    assert got == expected_row(scene, allowed=MODERATORS, success=200)


def test_comment_restore(scene):
    got = {}
    for who in WHO:
        comment = make_comment(scene.post, scene.user("author"), f"For {who} to restore")
        comment_hide(actor=scene.user("owner"), comment=comment)
        before = snapshot()
        count = Post.objects.get(pk=scene.post.pk).comments_count
        response = scene.client(who).post(comment_url(comment, "restore/"), format="json")
        got[who] = response.status_code
        if response.status_code == 200:
            comment.refresh_from_db()
            assert comment.hidden_at is None
            assert response.json()["hidden"] is False
            assert Post.objects.get(pk=scene.post.pk).comments_count == count + 1
            entry = ModerationLogEntry.objects.latest("pk")
            assert (entry.action, entry.actor, entry.comment) == (
                ModerationAction.RESTORE_COMMENT, scene.user(who), comment
            )  # fmt: skip
        else:
            assert snapshot() == before

    # A hidden comment is invisible to everyone but the group's moderators.
    expected = {who: 404 for who in WHO} | {"anonymous": 401}
    assert got == expected | {who: 200 for who in MODERATORS}


# --- output ----------------------------------------------------------------------------------


def test_comment_output_fields(public_world):
    author = public_world.user("member")
    post = make_post(public_world.group, author)
    comment = make_comment(post, author, "Hi")
    reaction_add(user=public_world.user("admin"), kind="love", comment=comment)
    reaction_add(user=author, kind="like", comment=comment)
    reaction_add(user=author, kind="wow", comment=comment)

    body = client_for(author).get(comment_url(comment)).json()

    assert body == {
        "id": comment.pk,
        "post": post.pk,
        "parent": None,
        "depth": 1,
        "author": {"id": author.pk, "username": author.username, "reputation": 1},
        "body": "Hi",
        "attachments": [],
        "reaction_counts": {"like": 1, "love": 1, "laugh": 0, "wow": 1, "sad": 0, "angry": 0},
        "reactions_count": 3,
        "my_reactions": ["like", "wow"],
        "deleted": False,
        "hidden": False,
        "edited_at": None,
        "created_at": body["created_at"],
        "permissions": ["edit", "delete", "reply", "react", "report"],
    }
    anonymous = client_for(None).get(comment_url(comment)).json()
    assert anonymous["permissions"] == []
    assert anonymous["my_reactions"] == []
    assert anonymous["reactions_count"] == 3


def test_server_controlled_fields_cannot_be_set(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    other_post = make_post(public_world.group, member)
    payload = {
        "body": "Mine",
        "author": public_world.user("owner").pk,
        "post": other_post.pk,
        "depth": 4,
        "path": "0/1",
        "reactions_count": 99,
        "reaction_counts": {"like": 99},
        "hidden": True,
        "deleted": True,
        "edited_at": "2020-01-01T00:00:00Z",
    }

    response = client_for(member).post(comments_url(post), payload, format="json")

    assert response.status_code == 201
    comment = Comment.objects.get()
    assert (comment.author, comment.post, comment.depth, comment.path) == (
        member,
        post,
        1,
        str(comment.pk).zfill(PATH_SEGMENT_WIDTH),
    )
    assert (comment.reactions_count, comment.reaction_counts) == (0, {})
    assert (comment.hidden_at, comment.deleted_at, comment.edited_at) == (None, None, None)
    edit = client_for(member).patch(
        comment_url(comment), {**payload, "body": "Edited"}, format="json"
    )
    assert edit.status_code == 200
    comment.refresh_from_db()
    assert (comment.body, comment.author, comment.post, comment.depth) == (
        "Edited",
        member,
        post,
        1,
    )
    assert (comment.reactions_count, comment.hidden_at, comment.deleted_at) == (0, None, None)


# --- threads ---------------------------------------------------------------------------------


@pytest.fixture
def thread(public_world):
    """a, a/a1, a/a1/a1x, a/a2, b, b/b1 — created out of thread order."""
    group = public_world.group
    member = public_world.user("member")
    post = make_post(group, member)
    a = make_comment(post, member, "a")
    b = make_comment(post, member, "b")
    a1 = make_comment(post, member, "a1", parent=a)
    b1 = make_comment(post, member, "b1", parent=b)
    a2 = make_comment(post, member, "a2", parent=a)
    a1x = make_comment(post, member, "a1x", parent=a1)
    public_world.post = post
    public_world.c = {"a": a, "b": b, "a1": a1, "b1": b1, "a2": a2, "a1x": a1x}
    return public_world


def thread_of(client, post, **params) -> list[dict]:
    results, url = [], comments_url(post)
    while url:
        response = client.get(url, params)
        assert response.status_code == 200
        results += response.json()["results"]
        url, params = response.json()["next"], None
    return results


def test_thread_is_depth_first_with_depths_and_parents(thread):
    rows = thread_of(client_for(thread.user("member")), thread.post)

    assert [row["body"] for row in rows] == ["a", "a1", "a1x", "a2", "b", "b1"]
    c = thread.c
    assert [(row["depth"], row["parent"]) for row in rows] == [
        (1, None),
        (2, c["a"].pk),
        (3, c["a1"].pk),
        (2, c["a"].pk),
        (1, None),
        (2, c["b"].pk),
    ]
    assert Comment.objects.get(pk=c["a1x"].pk).path == "/".join(
        str(c[name].pk).zfill(PATH_SEGMENT_WIDTH) for name in ("a", "a1", "a1x")
    )
    assert Post.objects.get(pk=thread.post.pk).comments_count == 6


def test_thread_pages_follow_the_cursor_in_thread_order(thread):
    pages = []
    url, params = comments_url(thread.post), {"page_size": 4}
    while url:
        body = client_for(None).get(url, params).json()
        pages.append([row["body"] for row in body["results"]])
        url, params = body["next"], None

    assert pages == [["a", "a1", "a1x", "a2"], ["b", "b1"]]


def test_thread_lists_only_its_post(thread):
    other = make_post(thread.group, thread.user("member"))
    make_comment(other, thread.user("member"), "elsewhere")

    rows = thread_of(client_for(None), thread.post)

    assert "elsewhere" not in [row["body"] for row in rows]
    assert [row["body"] for row in thread_of(client_for(None), other)] == ["elsewhere"]


def test_deleted_comment_with_replies_keeps_its_place(thread):
    comment_delete(actor=thread.user("member"), comment=thread.c["a1"])

    rows = thread_of(client_for(thread.user("outsider")), thread.post)

    assert [row["body"] for row in rows] == ["a", "[deleted]", "a1x", "a2", "b", "b1"]
    placeholder = rows[1]
    assert placeholder["id"] == thread.c["a1"].pk
    assert (placeholder["author"], placeholder["deleted"], placeholder["depth"]) == (None, True, 2)
    assert Post.objects.get(pk=thread.post.pk).comments_count == 5
    assert client_for(None).get(comment_url(thread.c["a1"])).status_code == 404


def test_deleted_comment_without_replies_is_omitted(thread):
    comment_delete(actor=thread.user("owner"), comment=thread.c["a2"])
    comment_delete(actor=thread.user("member"), comment=thread.c["b1"])

    rows = thread_of(client_for(thread.user("owner")), thread.post)

    assert [row["body"] for row in rows] == ["a", "a1", "a1x", "b"]
    assert Post.objects.get(pk=thread.post.pk).comments_count == 4


def test_placeholders_stay_while_a_live_descendant_does(thread):
    member = thread.user("member")
    comment_delete(actor=member, comment=thread.c["a"])
    comment_delete(actor=member, comment=thread.c["a1"])

    rows = thread_of(client_for(member), thread.post)
    assert [row["body"] for row in rows] == ["[deleted]", "[deleted]", "a1x", "a2", "b", "b1"]

    comment_delete(actor=member, comment=thread.c["a1x"])
    rows = thread_of(client_for(member), thread.post)
    assert [row["body"] for row in rows] == ["[deleted]", "a2", "b", "b1"]

    comment_delete(actor=member, comment=thread.c["a2"])
    rows = thread_of(client_for(member), thread.post)
    assert [row["body"] for row in rows] == ["b", "b1"]
    assert Post.objects.get(pk=thread.post.pk).comments_count == live_comments(thread.post) == 2


def test_hidden_comment_is_for_moderators_and_a_placeholder_above_replies(thread):
    comment_hide(actor=thread.user("moderator"), comment=thread.c["a1"])
    comment_hide(actor=thread.user("moderator"), comment=thread.c["b1"])

    as_member = thread_of(client_for(thread.user("member")), thread.post)
    as_moderator = thread_of(client_for(thread.user("moderator")), thread.post)

    assert [row["body"] for row in as_member] == ["a", "[removed]", "a1x", "a2", "b"]
    assert (as_member[1]["author"], as_member[1]["hidden"], as_member[1]["deleted"]) == (
        None,
        True,
        False,
    )
    assert [row["body"] for row in as_moderator] == ["a", "a1", "a1x", "a2", "b", "b1"]
    assert [row["hidden"] for row in as_moderator] == [False, True, False, False, False, True]
    assert as_moderator[1]["author"]["id"] == thread.user("member").pk
    assert Post.objects.get(pk=thread.post.pk).comments_count == 4


def test_reply_depth_is_capped_at_the_configured_limit(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    parent = None
    for _ in range(6):
        parent = make_comment(post, member, parent=parent)
    assert parent.depth == 6
    before = snapshot()

    response = client_for(member).post(
        comments_url(post), {"body": "too deep", "parent": parent.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["Replies are limited to 6 levels."]}
    assert snapshot() == before


@override_settings(COMMENT_MAX_DEPTH=2)
def test_reply_depth_follows_the_setting(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    top = make_comment(post, member)
    client = client_for(member)

    reply = client.post(comments_url(post), {"body": "ok", "parent": top.pk}, format="json")
    deeper = client.post(
        comments_url(post), {"body": "no", "parent": reply.json()["id"]}, format="json"
    )

    assert reply.status_code == 201
    assert reply.json()["depth"] == 2
    assert deeper.status_code == 400
    assert deeper.json() == {"parent": ["Replies are limited to 2 levels."]}
    assert Comment.objects.count() == 2
    assert Post.objects.get(pk=post.pk).comments_count == 2


def test_parent_from_another_post_is_400(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    elsewhere = make_comment(make_post(public_world.group, member), member)
    before = snapshot()

    response = client_for(member).post(
        comments_url(post), {"body": "hi", "parent": elsewhere.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["That comment is not on this post."]}
    assert snapshot() == before


def test_parent_in_another_group_is_400():
    world = build_world("private")
    other = build_world("public")
    member = world.user("member")
    secret_comment = make_comment(make_post(world.group, member), member)
    post = make_post(other.group, other.user("member"))
    add_member(other.group, member)
    before = snapshot()

    response = client_for(member).post(
        comments_url(post), {"body": "hi", "parent": secret_comment.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["That comment is not on this post."]}
    assert snapshot() == before


def test_parent_deleted_or_hidden_is_400(public_world):
    member, moderator = public_world.user("member"), public_world.user("moderator")
    post = make_post(public_world.group, member)
    deleted = make_comment(post, member)
    hidden = make_comment(post, member)
    comment_delete(actor=member, comment=deleted)
    comment_hide(actor=moderator, comment=hidden)
    before = snapshot()

    def reply(user, parent):
        return client_for(user).post(
            comments_url(post), {"body": "hi", "parent": parent.pk}, format="json"
        )

    assert reply(member, deleted).json() == {"parent": ["You cannot reply to a deleted comment."]}
    assert reply(member, hidden).json() == {"parent": ["That comment is not on this post."]}
    assert reply(moderator, hidden).json() == {"parent": ["You cannot reply to a hidden comment."]}
    assert reply(moderator, hidden).status_code == 400
    assert snapshot() == before


# --- counters --------------------------------------------------------------------------------


def test_comments_count_counts_live_comments_through_every_transition(thread):
    post, c = thread.post, thread.c
    moderator, member = thread.user("moderator"), thread.user("member")

    def count() -> int:
        stored = Post.objects.get(pk=post.pk).comments_count
        assert stored == live_comments(post)
        return stored

    assert count() == 6
    comment_hide(actor=moderator, comment=c["a1x"])
    assert count() == 5
    comment_delete(actor=moderator, comment=c["a1x"])  # hidden, then deleted: counted out once
    assert count() == 5
    comment_hide(actor=moderator, comment=c["b"])
    comment_restore(actor=moderator, comment=c["b"])
    assert count() == 6 - 1
    client = client_for(member)
    assert client.delete(comment_url(c["a2"])).status_code == 204
    assert client.delete(comment_url(c["a2"])).status_code == 404  # deleted once only
    assert count() == 4
    assert client.post(comments_url(post), {"body": "more"}, format="json").status_code == 201
    assert count() == 5


def test_hide_twice_and_restore_of_a_shown_comment_are_409(scene):
    moderator = scene.client("moderator")
    url = comment_url(scene.comment)

    assert moderator.post(url + "restore/").status_code == 409
    assert moderator.post(url + "hide/").status_code == 200
    before = snapshot()
    again = moderator.post(url + "hide/")

    assert again.status_code == 409
    assert again.json() == {"detail": "This comment is already hidden."}
    assert snapshot() == before


def test_hidden_comment_cannot_be_edited_by_its_moderator_author(public_world):
    moderator = public_world.user("moderator")
    comment = make_comment(make_post(public_world.group, moderator), moderator, "mine")
    comment_hide(actor=public_world.user("owner"), comment=comment)
    before = snapshot()

    response = client_for(moderator).patch(comment_url(comment), {"body": "x"}, format="json")

    assert response.status_code == 409
    assert snapshot() == before


# --- locked posts ----------------------------------------------------------------------------


def test_locked_post_takes_no_comment_or_edit_but_deletes(scene):
    lock(scene.post)
    before = snapshot()
    author = scene.client("author")

    create = author.post(comments_url(scene.post), {"body": "late"}, format="json")
    reply = scene.client("owner").post(
        comments_url(scene.post), {"body": "late", "parent": scene.comment.pk}, format="json"
    )
    edit = author.patch(comment_url(scene.comment), {"body": "changed"}, format="json")

    assert (create.status_code, reply.status_code, edit.status_code) == (409, 409, 409)
    assert create.json() == {"detail": "This post is locked."}
    assert snapshot() == before
    assert author.delete(comment_url(scene.comment)).status_code == 204
    assert Post.objects.get(pk=scene.post.pk).comments_count == 0


def test_deleted_post_has_no_thread_and_takes_no_comment(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    comment = make_comment(post, member)
    Post.objects.filter(pk=post.pk).update(deleted_at=comment.created_at)
    before = snapshot()

    client = client_for(public_world.user("owner"))
    assert client.get(comments_url(post)).status_code == 404
    assert client.post(comments_url(post), {"body": "x"}, format="json").status_code == 404
    assert client.get(comment_url(comment)).status_code == 404
    assert client.delete(comment_url(comment)).status_code == 404
    assert snapshot() == before


# --- bad input -------------------------------------------------------------------------------


BAD_COMMENTS = [
    ({}, {"body": ["This field is required."]}),
    ({"body": ""}, {"body": ["This field may not be blank."]}),
    ({"body": "   \n "}, {"body": ["This field may not be blank."]}),
    ({"body": "x" * 10_001}, {"body": ["Ensure this field has no more than 10000 characters."]}),
    ({"body": ["x"]}, {"body": ["Not a valid string."]}),
    ({"body": {"a": 1}}, {"body": ["Not a valid string."]}),
    ({"body": "a\x00b"}, {"body": ["Null characters are not allowed."]}),
    ({"body": "x", "parent": "abc"}, {"parent": ["A valid integer is required."]}),
    ({"body": "x", "parent": 0}, {"parent": ["Ensure this value is greater than or equal to 1."]}),
    ({"body": "x", "parent": 2**64},
     {"parent": [f"Ensure this value is less than or equal to {2**63 - 1}."]}),
    ({"body": "x", "parent": 2**62}, {"parent": ["That comment is not on this post."]}),
]  # fmt: skip


def test_bad_comment_input_is_400_and_writes_nothing(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    client = client_for(member)
    before = snapshot()

    for payload, errors in BAD_COMMENTS:
        response = client.post(comments_url(post), payload, format="json")

        assert (response.status_code, response.json()) == (400, errors), payload
    assert snapshot() == before


def test_edit_with_bad_body_is_400(scene):
    before = snapshot()
    client = scene.client("author")

    for payload in ({}, {"body": ""}, {"body": "y" * 10_001}):
        assert client.patch(comment_url(scene.comment), payload, format="json").status_code == 400
    assert snapshot() == before


def test_malformed_json_is_400(public_world):
    post = make_post(public_world.group, public_world.user("member"))
    before = snapshot()

    response = client_for(public_world.user("member")).post(
        comments_url(post), '{"body": "x",', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert snapshot() == before


@override_settings(COMMENT_BODY_MAX_LENGTH=5)
def test_the_service_enforces_the_configured_body_limit(public_world):
    post = make_post(public_world.group, public_world.user("member"))

    response = client_for(public_world.user("member")).post(
        comments_url(post), {"body": "123456"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"body": ["Ensure this field has no more than 5 characters."]}
    assert Comment.objects.count() == 0


def test_unknown_or_huge_ids_are_404(public_world):
    client = client_for(public_world.user("owner"))
    before = snapshot()

    for missing in ("9" * 30, 2**62):
        for path in ("/posts/{}/comments/", "/comments/{}/", "/comments/{}/reactions/"):
            url = API + path.format(missing)
            assert client.get(url).status_code == 404, url
            assert client.patch(url, {"body": "x"}, format="json").status_code in (404, 405)
        for path in ("/posts/{}/comments/", "/comments/{}/hide/", "/comments/{}/restore/"):
            url = API + path.format(missing)
            assert client.post(url, {"body": "x"}, format="json").status_code == 404, url
    assert snapshot() == before


# --- idempotency -----------------------------------------------------------------------------


def test_comment_create_with_an_idempotency_key_replays_and_creates_once(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    client = client_for(member)
    headers = {"Idempotency-Key": "comment-1"}

    first = client.post(comments_url(post), {"body": "once"}, format="json", headers=headers)
    second = client.post(comments_url(post), {"body": "once"}, format="json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Comment.objects.count() == 1
    assert Post.objects.get(pk=post.pk).comments_count == 1


# --- cost ------------------------------------------------------------------------------------


def test_a_reply_answers_what_a_read_of_it_answers_and_costs_no_read_back(
    public_world, django_assert_max_num_queries
):
    """The 201 is built from what the create holds: byte for byte what a read of it gives."""
    member = public_world.user("member")
    post = make_post(public_world.group, public_world.user("admin"))
    parent = make_comment(post, public_world.user("admin"), "First")
    client = client_for(member)

    # the token, the post with the viewer's standing, the parent as the viewer may read it,
    # the savepoint, the membership lock, the post's lock, the parent again under it, the
    # INSERT (its path with it), comments_count, the outbox event, the release
    with django_assert_max_num_queries(11):
        created = client.post(
            comments_url(post), {"body": " Hi ", "parent": parent.pk}, format="json"
        )

    assert created.status_code == 201
    assert (
        created.content
        == client.get(comment_url(Comment.objects.get(pk=created.json()["id"]))).content
    )
    reply = Comment.objects.get(pk=created.json()["id"])
    assert reply.path == f"{parent.path}/{str(reply.pk).zfill(PATH_SEGMENT_WIDTH)}"
    assert (reply.body, reply.depth) == ("Hi", 2)
    assert Post.objects.get(pk=post.pk).comments_count == 2


def test_thread_costs_the_same_queries_for_any_page_size(
    public_world, django_assert_max_num_queries
):
    member = public_world.user("member")
    authors = [public_world.user(who) for who in ("member", "moderator", "admin")]
    post = make_post(public_world.group, member)
    parent, comments = None, []
    for n in range(60):  # threads three deep
        comment = make_comment(post, authors[n % 3], f"c{n}", parent=parent)
        parent = comment if n % 3 < 2 else None
        reaction_add(user=member, kind="like", comment=comment)
        comments.append(comment)
    for n, comment in enumerate(comments):  # some placeholders, some omitted leaves
        if n % 4 == 0:
            comment_delete(actor=public_world.user("owner"), comment=comment)
        elif n % 5 == 0:
            comment_hide(actor=public_world.user("owner"), comment=comment)
    client = client_for(member)
    client.get(comments_url(post))  # warm up

    counts = []
    for page_size in (1, 50):
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            response = client.get(comments_url(post), {"page_size": page_size})
        results = response.json()["results"]
        assert len(results) == page_size
        # placeholders (no author) tell nothing of what they held, the viewer's reactions included
        assert all(row["my_reactions"] == (["like"] if row["author"] else []) for row in results)
        assert {row["author"]["id"] for row in results if row["author"]} <= {a.pk for a in authors}
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- schema and browsable API --------------------------------------------------------------


def test_schema_lists_the_comment_and_reaction_endpoints():
    response = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    prefix = "/api/communities/v1"
    assert set(paths[f"{prefix}/posts/{{post_pk}}/comments/"]) >= {"get", "post"}
    assert set(paths[f"{prefix}/comments/{{id}}/"]) >= {"get", "patch", "delete"}
    assert "put" not in paths[f"{prefix}/comments/{{id}}/"]
    assert "post" in paths[f"{prefix}/comments/{{id}}/hide/"]
    assert "post" in paths[f"{prefix}/comments/{{id}}/restore/"]
    for target in ("posts/{post_pk}", "comments/{comment_pk}"):
        assert set(paths[f"{prefix}/{target}/reactions/"]) >= {"get", "post", "delete"}


def test_browsable_api_renders_the_comment_and_reaction_pages(public_world):
    post = make_post(public_world.group, public_world.user("member"))
    comment = make_comment(post, public_world.user("member"))
    client = client_for(public_world.user("owner"))
    for url in (
        comments_url(post),
        comment_url(comment),
        f"{API}/posts/{post.pk}/reactions/",
        f"{API}/comments/{comment.pk}/reactions/",
    ):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")


@override_settings(COMMENT_MAX_DEPTH=80)
def test_depth_never_exceeds_what_a_path_can_hold(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    parent = None
    for _ in range(50):
        parent = make_comment(post, member, parent=parent)
    assert (parent.depth, len(parent.path)) == (50, 50 * (PATH_SEGMENT_WIDTH + 1) - 1)

    response = client_for(member).post(
        comments_url(post), {"body": "51", "parent": parent.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["Replies are limited to 50 levels."]}
    assert Comment.objects.count() == 50


def test_a_placeholder_tells_nothing_of_the_hidden_comment(public_world):
    member = public_world.user("member")
    post = make_post(public_world.group, member)
    hidden = make_comment(post, member, "rude words")
    make_comment(post, public_world.user("admin"), "a reply", parent=hidden)
    reaction_add(user=public_world.user("admin"), kind="angry", comment=hidden)
    comment_hide(actor=public_world.user("owner"), comment=hidden)

    placeholder = public_world.client("anonymous").get(comments_url(post)).json()["results"][0]
    as_moderator = public_world.client("moderator").get(comments_url(post)).json()["results"][0]

    assert placeholder == {
        "id": hidden.pk, "post": post.pk, "parent": None, "depth": 1, "author": None,
        "body": "[removed]", "attachments": [],
        "reaction_counts": dict.fromkeys(settings.REACTION_KINDS, 0),
        "reactions_count": 0, "my_reactions": [], "deleted": False, "hidden": True,
        "edited_at": None, "created_at": placeholder["created_at"], "permissions": [],
    }  # fmt: skip
    assert (as_moderator["body"], as_moderator["reactions_count"]) == ("rude words", 1)
