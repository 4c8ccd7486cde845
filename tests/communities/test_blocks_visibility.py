"""Blocks in what a person reads: a blocker's group post list, threads, search and a person's posts
and comments leave out the blocked person's content from the next read, and give it back on
unblocking; a direct link still opens it (to report it); a mute hides nothing; the blocked
person, a third person and anyone signed out read exactly what they read before, counts
included; a moderator's block leaves their moderation views whole; no list costs a query more.

Block rows are written directly here: the blocks API has its own tests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Block, BlockKind, Comment, Post, Report, Visibility
from communities.services.comments import comment_delete
from communities.services.reactions import reaction_add
from communities.services.search import search_index_comment, search_index_post
from tests.api.helpers import API
from tests.factories import UserFactory
from tests.fixtures import add_member, build_world, client_for, make_comment, make_post

pytestmark = pytest.mark.django_db
WORD = "lantern"


class Scene:
    """A group (of a given visibility) with the blocker (a member), the blocked person and a
    third person (its admin), and content of each that matches WORD in search."""

    def __init__(self, visibility: str, blocker_role: str = "member"):
        self.world = world = build_world(visibility)
        self.group = world.group
        self.blocker = world.user(blocker_role)
        self.blocked = UserFactory(username=f"{visibility}-blocked")
        add_member(self.group, self.blocked)
        self.third = world.user("admin")
        self.blocked_post = self._post(self.blocked, f"A {WORD} by the blocked person")
        self.third_post = self._post(self.third, f"A {WORD} by the third person")
        # on the third's post: a comment of the blocked person that a reply hangs from, and one
        # that nothing hangs from; on the blocked person's post: the third's comment
        self.blocked_comment = self._comment(self.third_post, self.blocked, f"{WORD}, says blocked")
        self.reply = self._comment(
            self.third_post, self.third, f"{WORD}, replies third", parent=self.blocked_comment
        )
        self.lone_comment = self._comment(self.third_post, self.blocked, f"a lone {WORD}")
        self.comment_on_blocked = self._comment(self.blocked_post, self.third, f"{WORD} too")
        self.blocker_comment = self._comment(self.blocked_post, self.blocker, f"my {WORD}")
        reaction_add(user=self.blocked, kind="like", post=self.third_post)
        reaction_add(user=self.blocker, kind="love", post=self.blocked_post)

    def _post(self, author, body: str) -> Post:
        post = make_post(group=self.group, author=author, title=body, body=body)
        search_index_post(post.pk)
        return post

    def _comment(self, post: Post, author, body: str, parent=None) -> Comment:
        comment = make_comment(post=post, author=author, body=body, parent=parent)
        search_index_comment(comment.pk)
        return comment

    def block(self, kind: str = BlockKind.BLOCK, user=None) -> None:
        Block.objects.update_or_create(
            user=user or self.blocker, target=self.blocked, defaults={"kind": kind}
        )

    def unblock(self) -> None:
        Block.objects.filter(user=self.blocker, target=self.blocked).delete()

    def lists(self) -> dict[str, str]:
        """Every list a block reaches, by name: its URL."""
        return {
            "group posts": f"{API}/groups/{self.group.pk}/posts/",
            "thread": f"{API}/posts/{self.third_post.pk}/comments/",
            "thread of the blocked post": f"{API}/posts/{self.blocked_post.pk}/comments/",
            "search": f"{API}/search/?q={WORD}&page_size=100",
            "blocked's posts": f"{API}/users/{self.blocked.username}/posts/",
            "blocked's comments": f"{API}/users/{self.blocked.username}/comments/",
            "third's posts": f"{API}/users/{self.third.username}/posts/",
            "third's comments": f"{API}/users/{self.third.username}/comments/",
        }

    def links(self) -> dict[str, str]:
        """The direct links to the blocked person's content."""
        return {
            "post": f"{API}/posts/{self.blocked_post.pk}/",
            "comment": f"{API}/comments/{self.blocked_comment.pk}/",
            "post's reactions": f"{API}/posts/{self.blocked_post.pk}/reactions/",
            "comment's reactions": f"{API}/comments/{self.blocked_comment.pk}/reactions/",
        }

    def read(self, who) -> dict:
        """What `who` (a user, or None for signed out) reads at each list and link: its status
        and its whole body."""
        client = client_for(who)
        return {
            name: (response.status_code, response.json())
            for name, url in {**self.lists(), **self.links()}.items()
            for response in [client.get(url)]
        }


def rows(body) -> list[tuple[str, int]]:
    """A list's rows as (kind, id): a search hit's type, else post or comment."""
    results = body["results"] if isinstance(body, dict) else body
    return [
        (row.get("type") or ("comment" if "parent" in row else "post"), row["id"])
        for row in results
    ]


def shown(scene: Scene, read: dict) -> dict[str, list]:
    return {name: rows(read[name][1]) for name in scene.lists() if read[name][0] == 200}


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def test_a_block_leaves_the_blocked_persons_content_out_of_the_blockers_lists(visibility):
    scene = Scene(visibility)
    before = scene.read(scene.blocker)
    s = scene
    post, comment = ("post", s.blocked_post.pk), ("comment", s.blocked_comment.pk)
    lone, on_blocked = ("comment", s.lone_comment.pk), ("comment", s.comment_on_blocked.pk)
    assert set(shown(scene, before)["search"]) == {
        post, comment, lone, on_blocked, ("post", s.third_post.pk),
        ("comment", s.reply.pk), ("comment", s.blocker_comment.pk),
    }  # fmt: skip

    scene.block()
    after = scene.read(scene.blocker)

    lists = shown(scene, after)
    assert lists == {
        "group posts": [("post", s.third_post.pk)],
        # the blocked comment keeps its place for the reply under it; the lone one is left out
        "thread": [comment, ("comment", s.reply.pk)],
        # a post opened by its link shows its thread, but what its author wrote there
        "thread of the blocked post": [on_blocked, ("comment", s.blocker_comment.pk)],
        # neither their content, nor comments on their posts: a hit shows its post's title
        "search": [("post", s.third_post.pk), ("comment", s.reply.pk)],
        "blocked's posts": [],
        "blocked's comments": [],
        "third's posts": [("post", s.third_post.pk)],
        "third's comments": [("comment", s.reply.pk)],
    }
    placeholder = after["thread"][1]["results"][0]
    assert {key: placeholder[key] for key in ("id", "author", "body", "attachments")} == {
        "id": s.blocked_comment.pk, "author": None, "body": "[blocked]", "attachments": [],
    }  # fmt: skip
    assert (placeholder["deleted"], placeholder["hidden"], placeholder["permissions"]) == (
        False, False, []
    )  # fmt: skip
    assert placeholder["reactions_count"] == 0 and placeholder["my_reactions"] == []
    # every row still shown is exactly as it was, counts included; the placeholder aside
    for name in scene.lists():
        was = dict(zip(rows(before[name][1]), before[name][1]["results"], strict=True))
        for key, row in zip(rows(after[name][1]), after[name][1]["results"], strict=True):
            assert row == was[key] or key == comment, (name, key)
    # a direct link still opens, as before
    for name in scene.links():
        assert after[name] == before[name], name

    scene.unblock()
    assert scene.read(scene.blocker) == before


def test_a_mute_hides_nothing():
    scene = Scene(Visibility.PUBLIC)
    before = scene.read(scene.blocker)

    scene.block(BlockKind.MUTE)

    assert scene.read(scene.blocker) == before


@pytest.mark.parametrize("reader", ["blocked", "third", "moderator", "outsider", "signed out"])
def test_a_block_changes_nothing_anyone_else_reads(reader):
    scene = Scene(Visibility.PUBLIC)
    who = {
        "blocked": scene.blocked,
        "third": scene.third,
        "moderator": scene.world.user("moderator"),
        "outsider": scene.world.user("outsider"),
        "signed out": None,
    }[reader]
    before = scene.read(who)

    scene.block()
    assert scene.read(who) == before  # every list and link, whole, counts included
    scene.block(user=scene.third)  # blocked by a second person, who is not this reader
    if reader != "third":
        assert scene.read(who) == before
    assert Post.objects.get(pk=scene.third_post.pk).comments_count == 3
    assert Post.objects.get(pk=scene.third_post.pk).reaction_counts["like"] == 1


def test_the_blocked_person_reads_the_blockers_content_as_before():
    scene = Scene(Visibility.PUBLIC)
    own = make_post(group=scene.group, author=scene.blocker, title=WORD, body=f"mine, a {WORD}")
    search_index_post(own.pk)
    mine = f"{API}/users/{scene.blocker.username}/posts/"
    client = client_for(scene.blocked)
    before = (client.get(mine).json(), scene.read(scene.blocked))

    scene.block()

    assert (client.get(mine).json(), scene.read(scene.blocked)) == before
    assert rows(before[0]) == [("post", own.pk)]


def test_the_blocker_may_still_report_react_and_reply_to_what_a_link_opens():
    scene = Scene(Visibility.PUBLIC)
    scene.block()
    client = client_for(scene.blocker)

    post_report = client.post(
        f"{API}/reports/", {"post": scene.blocked_post.pk, "reason": "spam"}, format="json"
    )
    comment_report = client.post(
        f"{API}/reports/",
        {"comment": scene.blocked_comment.pk, "reason": "harassment"},
        format="json",
    )
    reply = client.post(
        f"{API}/posts/{scene.third_post.pk}/comments/",
        {"body": "an answer", "parent": scene.blocked_comment.pk},
        format="json",
    )

    assert (post_report.status_code, comment_report.status_code) == (201, 201)
    assert set(Report.objects.values_list("reporter_id", "post_id", "comment_id")) == {
        (scene.blocker.pk, scene.blocked_post.pk, None),
        (scene.blocker.pk, None, scene.blocked_comment.pk),
    }
    assert reply.status_code == 201, reply.content
    assert Comment.objects.get(pk=reply.json()["id"]).parent_id == scene.blocked_comment.pk


def test_a_moderators_block_leaves_the_moderation_views_whole():
    scene = Scene(Visibility.PRIVATE, blocker_role="moderator")
    reporter = client_for(scene.third)
    for body in ({"post": scene.blocked_post.pk}, {"comment": scene.blocked_comment.pk}):
        response = reporter.post(f"{API}/reports/", {**body, "reason": "spam"}, format="json")
        assert response.status_code == 201
    moderator = client_for(scene.blocker)
    views = [
        f"{API}/groups/{scene.group.pk}/reports/",
        f"{API}/groups/{scene.group.pk}/moderation-log/",
    ]
    before = [moderator.get(url).json() for url in views]
    assert len(before[0]["results"]) == 2

    scene.block()

    assert [moderator.get(url).json() for url in views] == before
    # the moderator's own reading is a reader's: the blocked person's post is out of the list
    posts = moderator.get(f"{API}/groups/{scene.group.pk}/posts/").json()
    assert rows(posts) == [("post", scene.third_post.pk)]


def test_a_blocked_comment_whose_replies_are_gone_or_blocked_is_left_out():
    scene = Scene(Visibility.PUBLIC)
    comment_delete(actor=scene.third, comment=scene.reply)
    second = UserFactory(username="second-blocked")
    add_member(scene.group, second)
    answer = make_comment(post=scene.third_post, author=second, body="x", parent=scene.lone_comment)
    scene.block()
    Block.objects.create(user=scene.blocker, target=second, kind=BlockKind.BLOCK)

    thread = client_for(scene.blocker).get(f"{API}/posts/{scene.third_post.pk}/comments/")

    assert thread.status_code == 200
    assert rows(thread.json()) == []
    Block.objects.filter(user=scene.blocker, target=second).delete()
    thread = client_for(scene.blocker).get(f"{API}/posts/{scene.third_post.pk}/comments/")
    assert [(r["id"], r["body"]) for r in thread.json()["results"]] == [
        (scene.lone_comment.pk, "[blocked]"), (answer.pk, "x"),
    ]  # fmt: skip


def test_no_list_costs_a_query_more_for_a_blocker():
    scene = Scene(Visibility.PUBLIC)
    client = client_for(scene.blocker)
    client.get(f"{API}/groups/{scene.group.pk}/")  # the token's first read, out of the counts

    def counts() -> dict[str, int]:
        result = {}
        for name, url in scene.lists().items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result[name] = len(queries)
        return result

    before = counts()
    scene.block()
    assert counts() == before
