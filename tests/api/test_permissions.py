"""`permissions` on posts and comments say exactly what their endpoints accept from the viewer:
for every standing and content state, each action listed succeeds and each one not listed is
refused with nothing changed. Each attempt runs in a savepoint rolled back after it, so that
every action is tried on the same state."""

import pytest
from django.db import transaction

from communities.models import Report
from communities.services.comments import comment_hide
from communities.services.posts import post_hide, post_lock, post_pin
from tests.api.post_helpers import VIEWERS, content_snapshot, make_post, post_url, with_author
from tests.content_helpers import snapshot
from tests.fixtures import make_comment

pytestmark = pytest.mark.django_db

API = "/api/communities/v1"
POST_ACTIONS = {
    "edit": ("patch", lambda p: post_url(p), {"body": "Changed"}),
    "delete": ("delete", lambda p: post_url(p), None),
    "pin": ("post", lambda p: post_url(p, "pin"), None),
    "unpin": ("post", lambda p: post_url(p, "unpin"), None),
    "lock": ("post", lambda p: post_url(p, "lock"), None),
    "unlock": ("post", lambda p: post_url(p, "unlock"), None),
    "hide": ("post", lambda p: post_url(p, "hide"), {"reason": "r"}),
    "restore": ("post", lambda p: post_url(p, "restore"), {"reason": "r"}),
    "comment": ("post", lambda p: post_url(p, "comments"), {"body": "Hi"}),
    "react": ("post", lambda p: post_url(p, "reactions"), {"kind": "like"}),
    "report": ("post", lambda p: f"{API}/reports/", None),
}
COMMENT_ACTIONS = {
    "edit": ("patch", lambda c: f"{API}/comments/{c.pk}/", {"body": "Changed"}),
    "delete": ("delete", lambda c: f"{API}/comments/{c.pk}/", None),
    "hide": ("post", lambda c: f"{API}/comments/{c.pk}/hide/", {"reason": "r"}),
    "restore": ("post", lambda c: f"{API}/comments/{c.pk}/restore/", {"reason": "r"}),
    "reply": ("post", lambda c: f"{API}/posts/{c.post_id}/comments/", None),
    "react": ("post", lambda c: f"{API}/comments/{c.pk}/reactions/", {"kind": "like"}),
    "report": ("post", lambda c: f"{API}/reports/", None),
}


def state() -> dict:
    return {**content_snapshot(), **snapshot(), "reports": list(Report.objects.values())}


def attempt(client, method: str, url: str, body) -> int:
    """The status of one request, whose effects are rolled back."""
    with transaction.atomic():
        response = getattr(client, method)(url, body, format="json")
        transaction.set_rollback(True)
    return response.status_code


def accepted(client, actions: dict, target, bodies: dict) -> set[str]:
    """The actions the endpoints accept on `target`; each refusal changes nothing."""
    before = state()
    done = set()
    for name, (method, url, body) in actions.items():
        status = attempt(client, method, url(target), bodies.get(name, body))
        assert status < 500, (name, status)
        if status < 300:
            done.add(name)
        else:
            assert state() == before, name
    return done


@pytest.fixture
def content(public_world):
    world = with_author(public_world)
    moderator = world.user("moderator")
    posts = {
        "plain": make_post(world),
        "locked": make_post(world),
        "pinned": make_post(world),
        "hidden": make_post(world, "moderator"),
    }
    post_lock(actor=moderator, post=posts["locked"])
    post_pin(actor=moderator, post=posts["pinned"])
    post_hide(actor=moderator, post=posts["hidden"])
    comments = {
        "plain": make_comment(post=posts["plain"], author=world.user("author")),
        "hidden": make_comment(post=posts["plain"], author=world.user("author")),
        "on a locked post": make_comment(post=posts["pinned"], author=world.user("author")),
    }
    comment_hide(actor=moderator, comment=comments["hidden"])
    post_lock(actor=moderator, post=posts["pinned"])
    return world, posts, comments


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("kind", ["plain", "locked", "pinned", "hidden"])
def test_a_posts_permissions_are_what_its_endpoints_accept(content, who, kind):
    world, posts, _comments = content
    post, client = posts[kind], world.client(who)

    response = client.get(post_url(post))
    shown = response.json()["permissions"] if response.status_code == 200 else []
    done = accepted(client, POST_ACTIONS, post, {"report": {"post": post.pk, "reason": "spam"}})

    assert response.status_code == (404 if kind == "hidden" and who not in MODS else 200)
    assert set(shown) == done
    assert shown == [action for action in POST_ACTIONS if action in done]  # the listed order


MODS = ("moderator", "admin", "owner")
EXPECTED_POST = {
    # a few rows written out, so that the table above is not only checked against itself
    ("plain", "author"): ["edit", "delete", "comment", "react", "report"],
    ("plain", "member"): ["comment", "react", "report"],
    ("plain", "outsider"): ["report"],
    ("plain", "banned"): [],
    ("plain", "anonymous"): [],
    ("plain", "moderator"): ["delete", "pin", "lock", "hide", "comment", "react", "report"],
    ("locked", "author"): ["delete", "report"],
    ("locked", "owner"): ["delete", "pin", "unlock", "hide", "report"],
    ("hidden", "moderator"): ["delete", "pin", "lock", "restore", "comment", "react", "report"],
}


@pytest.mark.parametrize(("kind", "who"), list(EXPECTED_POST))
def test_a_posts_permissions_by_standing(content, kind, who):
    world, posts, _comments = content

    response = world.client(who).get(post_url(posts[kind]))

    assert response.json()["permissions"] == EXPECTED_POST[kind, who]


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("kind", ["plain", "hidden", "on a locked post"])
def test_a_comments_permissions_are_what_its_endpoints_accept(content, who, kind):
    world, _posts, comments = content
    comment, client = comments[kind], world.client(who)

    thread = client.get(post_url(comment.post, "comments"))
    shown = next(
        (c["permissions"] for c in thread.json().get("results", []) if c["id"] == comment.pk), []
    )
    done = accepted(
        client,
        COMMENT_ACTIONS,
        comment,
        {
            "reply": {"body": "Re", "parent": comment.pk},
            "report": {"comment": comment.pk, "reason": "spam"},
        },
    )

    assert set(shown) == done
    assert shown == [action for action in COMMENT_ACTIONS if action in done]
    single = client.get(f"{API}/comments/{comment.pk}/")
    if single.status_code == 200:
        assert single.json()["permissions"] == shown


def test_a_comments_permissions_by_standing(content):
    world, _posts, comments = content

    def shown(who, kind):
        return world.client(who).get(f"{API}/comments/{comments[kind].pk}/").json()

    assert shown("author", "plain")["permissions"] == [
        "edit", "delete", "reply", "react", "report"
    ]  # fmt: skip
    assert shown("member", "plain")["permissions"] == ["reply", "react", "report"]
    assert shown("outsider", "plain")["permissions"] == ["report"]
    assert shown("anonymous", "plain")["permissions"] == []
    assert shown("moderator", "hidden")["permissions"] == ["delete", "restore", "react", "report"]
    assert shown("author", "on a locked post")["permissions"] == ["delete", "report"]
    assert shown("author", "hidden") == {"detail": "No comment matches the given query."}


def test_a_feed_and_a_group_list_carry_the_same_permissions(content):
    world, posts, _comments = content
    client = world.client("author")
    one = client.get(post_url(posts["plain"])).json()

    listed = client.get(f"{API}/groups/{world.group.pk}/posts/").json()["results"]
    feed = client.get(f"{API}/feed/", {"order": "recent"}).json()["results"]

    assert next(p for p in listed if p["id"] == one["id"])["permissions"] == one["permissions"]
    assert next(p for p in feed if p["id"] == one["id"])["permissions"] == one["permissions"]
