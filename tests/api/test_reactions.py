"""Reactions to posts and comments: who may react, idempotent adds and removes, exact counters
and reputation, locked posts, bad input, and lists of who reacted."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Comment, Post, Reaction
from communities.services.comments import comment_delete, comment_hide
from communities.services.membership import membership_ban
from communities.services.reactions import reaction_add, reaction_remove
from divan.exceptions import Conflict, NotFound
from divan.models import User
from tests.content_helpers import API, lock, make_comment, make_post, snapshot
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "outsider", "banned", "member", "author", "moderator", "admin", "owner")
MEMBERS = ("member", "author", "moderator", "admin", "owner")
KINDS = ["like", "love", "laugh", "wow", "sad", "angry"]


@pytest.fixture
def scene(world):
    """The world, plus a member who wrote a post and a comment on it."""
    author = UserFactory(username=f"{world.group.visibility}-author")
    add_member(world.group, author)
    world.users["author"] = author
    world.post = make_post(world.group, author)
    world.comment = make_comment(world.post, author, "First!")
    return world


def reactions_url(target) -> str:
    kind = "posts" if isinstance(target, Post) else "comments"
    return f"{API}/{kind}/{target.pk}/reactions/"


def counters(target) -> tuple[int, dict]:
    target = type(target).objects.get(pk=target.pk)
    return target.reactions_count, target.reaction_counts


def reputation(user) -> int:
    return User.objects.get(pk=user.pk).reputation


def assert_counters_match_rows(target) -> None:
    rows = Reaction.objects.filter(**{type(target).__name__.lower(): target})
    total, per_kind = counters(target)
    assert total == rows.count()
    for kind in KINDS:
        assert per_kind.get(kind, 0) == rows.filter(kind=kind).count(), kind


def expected_write(world, who: str, *, success: int, outsiders_in_public: int = 403) -> int:
    if who == "anonymous":
        return 401
    if who in ("outsider", "banned"):
        return outsiders_in_public if world.group.visibility == "public" else 404
    return success


# --- the permission matrix -----------------------------------------------------------------


def test_reaction_add(scene):
    author = scene.user("author")
    for target in (scene.post, scene.comment):
        got = {}
        for who in WHO:
            before = snapshot()
            total, per_kind = counters(target)
            earned = reputation(author)
            response = scene.client(who).post(reactions_url(target), {"kind": "wow"}, format="json")
            got[who] = response.status_code
            if response.status_code == 201:
                user = scene.user(who)
                reaction = Reaction.objects.get(pk=response.json()["id"])
                assert (reaction.user, reaction.kind) == (user, "wow")
                assert response.json() == {
                    "id": reaction.pk,
                    "user": {
                        "id": user.pk,
                        "username": user.username,
                        "reputation": reputation(user),
                    },
                    "kind": "wow",
                    "post": scene.post.pk if target is scene.post else None,
                    "comment": scene.comment.pk if target is scene.comment else None,
                    "created_at": response.json()["created_at"],
                }
                assert counters(target) == (total + 1, {"wow": per_kind.get("wow", 0) + 1})
                assert reputation(author) == earned + (0 if who == "author" else 1)
            else:
                assert snapshot() == before

        assert got == {who: expected_write(scene, who, success=201) for who in WHO}
        assert_counters_match_rows(target)
    assert reputation(author) == 2 * (len(MEMBERS) - 1)


def test_reaction_remove(scene):
    author = scene.user("author")
    for target in (scene.post, scene.comment):
        for who in MEMBERS:
            reaction_add(
                user=scene.user(who), kind="sad", **{type(target).__name__.lower(): target}
            )
        got = {}
        for who in WHO:
            before = snapshot()
            total, per_kind = counters(target)
            earned = reputation(author)
            response = scene.client(who).delete(reactions_url(target) + "?kind=sad")
            got[who] = response.status_code
            if who in MEMBERS:
                assert not Reaction.objects.filter(user=scene.user(who), kind="sad").exists()
                assert counters(target) == (total - 1, {"sad": per_kind["sad"] - 1})
                assert reputation(author) == earned - (0 if who == "author" else 1)
            else:  # refused, or nothing of theirs to remove
                assert snapshot() == before

        expected = {who: expected_write(scene, who, success=204, outsiders_in_public=204)
                    for who in WHO}  # fmt: skip
        assert got == expected
        assert counters(target) == (0, {"sad": 0})
    assert reputation(author) == 0
    assert Reaction.objects.count() == 0


def test_reaction_list(scene):
    for target in (scene.post, scene.comment):
        reaction_add(
            user=scene.user("member"), kind="like", **{type(target).__name__.lower(): target}
        )
        got = {}
        for who in WHO:
            response = scene.client(who).get(reactions_url(target))
            got[who] = response.status_code
            if response.status_code == 200:
                assert [(r["user"]["id"], r["kind"]) for r in response.json()["results"]] == [
                    (scene.user("member").pk, "like")
                ]
            else:
                assert "results" not in response.json()

        public = scene.group.visibility == "public"
        expected = {who: 200 if public or who in MEMBERS else 404 for who in WHO}
        assert got == expected


# --- idempotence and counters --------------------------------------------------------------


@pytest.fixture
def content(public_world):
    author = UserFactory(username="writer")
    add_member(public_world.group, author)
    public_world.users["author"] = author
    public_world.post = make_post(public_world.group, author)
    public_world.comment = make_comment(public_world.post, author)
    return public_world


@pytest.mark.parametrize("on", ["post", "comment"])
def test_adding_an_existing_reaction_is_200_with_the_same_reaction(content, on):
    target = getattr(content, on)
    client = client_for(content.user("member"))

    first = client.post(reactions_url(target), {"kind": "like"}, format="json")
    before = snapshot()
    second = client.post(reactions_url(target), {"kind": "like"}, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert snapshot() == before
    assert counters(target) == (1, {"like": 1})
    assert reputation(content.user("author")) == 1


@pytest.mark.parametrize("on", ["post", "comment"])
def test_removing_a_missing_reaction_is_204_and_changes_nothing(content, on):
    target = getattr(content, on)
    reaction_add(user=content.user("member"), kind="love", **{on: target})
    before = snapshot()
    client = client_for(content.user("member"))

    for kind in ("like", "wow"):  # never added
        assert client.delete(reactions_url(target), QUERY_STRING=f"kind={kind}").status_code == 204
    assert snapshot() == before
    assert client.delete(reactions_url(target) + "?kind=love").status_code == 204
    assert client.delete(reactions_url(target) + "?kind=love").status_code == 204
    assert counters(target) == (0, {"love": 0})
    assert reputation(content.user("author")) == 0


def test_counters_per_kind_and_reputation_follow_every_add_and_remove(content):
    post, comment, author = content.post, content.comment, content.user("author")
    reactors = [content.user(who) for who in ("member", "moderator", "admin", "owner")]
    for n, user in enumerate(reactors):
        for kind in KINDS[: n + 1]:
            assert reaction_add(user=user, kind=kind, post=post)[1] is True
        reaction_add(user=user, kind="angry", comment=comment)
    reaction_add(user=author, kind="like", post=post)  # one's own: counted, earns nothing

    assert counters(post) == (11, {"like": 5, "love": 3, "laugh": 2, "wow": 1})
    assert counters(comment) == (4, {"angry": 4})
    assert reputation(author) == 10 + 4

    assert reaction_remove(user=reactors[3], kind="wow", post=post) is True
    assert reaction_remove(user=reactors[3], kind="wow", post=post) is False
    assert reaction_remove(user=author, kind="like", post=post) is True
    assert reaction_add(user=reactors[0], kind="like", post=post) == (
        Reaction.objects.get(user=reactors[0], kind="like", post=post),
        False,
    )
    assert counters(post) == (9, {"like": 4, "love": 3, "laugh": 2, "wow": 0})
    assert reputation(author) == 9 + 4
    assert_counters_match_rows(post)
    assert_counters_match_rows(comment)
    assert [reputation(user) for user in reactors] == [0, 0, 0, 0]


def test_comment_output_shows_counts_and_my_reactions(content):
    member = content.user("member")
    client = client_for(member)
    client.post(reactions_url(content.comment), {"kind": "laugh"}, format="json")
    client.post(reactions_url(content.comment), {"kind": "like"}, format="json")
    reaction_add(user=content.user("owner"), kind="like", comment=content.comment)

    body = client.get(f"{API}/comments/{content.comment.pk}/").json()

    assert body["reaction_counts"] == {
        "like": 2, "love": 0, "laugh": 1, "wow": 0, "sad": 0, "angry": 0
    }  # fmt: skip
    assert body["reactions_count"] == 3
    assert body["my_reactions"] == ["like", "laugh"]  # in the configured order
    assert body["author"]["reputation"] == 3


def test_banned_member_may_remove_but_not_add(content):
    member = content.user("member")
    reaction_add(user=member, kind="like", post=content.post)
    membership_ban(actor=content.user("owner"), group=content.group, user_id=member.pk)
    client = client_for(member)
    before = snapshot()

    refused = client.post(reactions_url(content.post), {"kind": "love"}, format="json")

    assert refused.status_code == 403
    assert refused.json() == {"detail": "You are banned from this group."}
    assert snapshot() == before
    assert client.delete(reactions_url(content.post) + "?kind=like").status_code == 204
    assert counters(content.post) == (0, {"like": 0})
    assert reputation(content.user("author")) == 0


def test_server_controlled_fields_cannot_be_set(content):
    member = content.user("member")
    other_post = make_post(content.group, member)
    payload = {
        "kind": "like",
        "user": content.user("owner").pk,
        "post": other_post.pk,
        "comment": content.comment.pk,
        "created_at": "2020-01-01T00:00:00Z",
        "id": 12345,
    }

    response = client_for(member).post(reactions_url(content.post), payload, format="json")

    assert response.status_code == 201
    reaction = Reaction.objects.get()
    assert (reaction.user, reaction.post, reaction.comment) == (member, content.post, None)
    assert reaction.pk != 12345
    assert reaction.created_at.year > 2020
    assert counters(other_post) == (0, {})
    assert counters(content.comment) == (0, {})


# --- state of the target -------------------------------------------------------------------


def test_locked_post_refuses_new_reactions_but_allows_removing(content):
    member = content.user("member")
    reaction_add(user=member, kind="like", post=content.post)
    reaction_add(user=member, kind="like", comment=content.comment)
    lock(content.post)
    client = client_for(member)
    before = snapshot()

    on_post = client.post(reactions_url(content.post), {"kind": "love"}, format="json")
    on_comment = client.post(reactions_url(content.comment), {"kind": "love"}, format="json")
    existing = client.post(reactions_url(content.post), {"kind": "like"}, format="json")

    assert (on_post.status_code, on_comment.status_code, existing.status_code) == (409, 409, 409)
    assert on_post.json() == on_comment.json() == {"detail": "This post is locked."}
    assert snapshot() == before
    for target in (content.post, content.comment):
        assert client.delete(reactions_url(target) + "?kind=like").status_code == 204
        assert counters(target) == (0, {"like": 0})
    assert reputation(content.user("author")) == 0


def test_deleted_comment_takes_no_reactions(content):
    reaction_add(user=content.user("member"), kind="like", comment=content.comment)
    comment_delete(actor=content.user("author"), comment=content.comment)
    client = client_for(content.user("member"))
    before = snapshot()

    assert client.post(reactions_url(content.comment), {"kind": "love"}).status_code == 404
    assert client.delete(reactions_url(content.comment) + "?kind=like").status_code == 404
    assert client.get(reactions_url(content.comment)).status_code == 404
    assert snapshot() == before


def test_hidden_comment_reactions_are_for_moderators_only(content):
    reaction_add(user=content.user("member"), kind="like", comment=content.comment)
    comment_hide(actor=content.user("moderator"), comment=content.comment)
    before = snapshot()

    member = client_for(content.user("member"))
    assert member.get(reactions_url(content.comment)).status_code == 404
    assert member.post(reactions_url(content.comment), {"kind": "wow"}).status_code == 404
    assert member.delete(reactions_url(content.comment) + "?kind=like").status_code == 404
    assert snapshot() == before
    listing = client_for(content.user("moderator")).get(reactions_url(content.comment))
    assert [r["kind"] for r in listing.json()["results"]] == ["like"]


# --- bad input -------------------------------------------------------------------------------

NOT_A_KIND = '"hug" is not a valid choice. Choose from: like, love, laugh, wow, sad, angry.'


def test_bad_kinds_are_400_and_change_nothing(content):
    client = client_for(content.user("member"))
    before = snapshot()

    for target in (content.post, content.comment):
        url = reactions_url(target)
        for payload, errors in [
            ({"kind": "hug"}, {"kind": [NOT_A_KIND]}),
            ({"kind": "Like"}, {"kind": [NOT_A_KIND.replace("hug", "Like")]}),
            ({}, {"kind": ["This field is required."]}),
            ({"kind": ""}, {"kind": ["This field may not be blank."]}),
            ({"kind": "x" * 33}, {"kind": ["Ensure this field has no more than 32 characters."]}),
            ({"kind": ["like"]}, {"kind": ["Not a valid string."]}),
        ]:
            response = client.post(url, payload, format="json")
            assert (response.status_code, response.json()) == (400, errors), payload
        missing = client.delete(url)
        assert (missing.status_code, missing.json()) == (400, {"kind": ["This field is required."]})
        unknown = client.delete(url + "?kind=hug")
        assert (unknown.status_code, unknown.json()) == (400, {"kind": [NOT_A_KIND]})
        listing = client.get(url, {"kind": "hug"})
        assert (listing.status_code, listing.json()) == (400, {"kind": [NOT_A_KIND]})
        malformed = client.post(url, '{"kind":', content_type="application/json")
        assert malformed.status_code == 400
    assert snapshot() == before


@override_settings(REACTION_KINDS=["hug", "like"])
def test_reaction_kinds_follow_the_setting(content):
    client = client_for(content.user("member"))

    hug = client.post(reactions_url(content.comment), {"kind": "hug"}, format="json")
    love = client.post(reactions_url(content.comment), {"kind": "love"}, format="json")

    assert hug.status_code == 201
    assert love.status_code == 400
    assert love.json() == {"kind": ['"love" is not a valid choice. Choose from: hug, like.']}
    body = client.get(f"{API}/comments/{content.comment.pk}/").json()
    assert body["reaction_counts"] == {"hug": 1, "like": 0}
    assert body["my_reactions"] == ["hug"]


# --- lists -----------------------------------------------------------------------------------


def test_list_is_newest_first_filters_by_kind_and_pages(content):
    users = [content.user(who) for who in ("member", "moderator", "admin", "owner")]
    for user in users:
        reaction_add(user=user, kind="like", post=content.post)
    reaction_add(user=users[0], kind="love", post=content.post)
    reaction_add(user=users[1], kind="like", comment=content.comment)
    client = client_for(None)

    everything = client.get(reactions_url(content.post)).json()["results"]
    loves = client.get(reactions_url(content.post), {"kind": "love"}).json()["results"]
    first = client.get(reactions_url(content.post), {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    expected = [
        (users[0].pk, "love"), (users[3].pk, "like"), (users[2].pk, "like"),
        (users[1].pk, "like"), (users[0].pk, "like"),
    ]  # fmt: skip
    assert [(r["user"]["id"], r["kind"]) for r in everything] == expected
    assert [(r["user"]["id"], r["kind"]) for r in loves] == [(users[0].pk, "love")]
    pages = first["results"] + second["results"]
    assert [(r["user"]["id"], r["kind"]) for r in pages] == expected
    assert second["next"] is None
    assert set(everything[0]) == {"id", "user", "kind", "post", "comment", "created_at"}


@pytest.mark.parametrize("on", ["post", "comment"])
def test_list_costs_the_same_queries_for_any_page_size(content, on, django_assert_max_num_queries):
    target = getattr(content, on)
    users = User.objects.bulk_create(UserFactory.build_batch(60))
    Reaction.objects.bulk_create(Reaction(user=user, kind="like", **{on: target}) for user in users)
    client = client_for(content.user("member"))
    client.get(reactions_url(target))  # warm up

    counts = []
    for page_size in (1, 50):
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            response = client.get(reactions_url(target), {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- idempotency -----------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["post", "comment"])
def test_reaction_create_with_an_idempotency_key_replays_and_adds_once(content, on):
    target = getattr(content, on)
    client = client_for(content.user("member"))
    headers = {"Idempotency-Key": f"react-{on}"}

    first = client.post(reactions_url(target), {"kind": "wow"}, format="json", headers=headers)
    second = client.post(reactions_url(target), {"kind": "wow"}, format="json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Reaction.objects.count() == 1
    assert counters(target) == (1, {"wow": 1})
    assert reputation(content.user("author")) == 1


@pytest.mark.parametrize("on", ["post", "comment"])
def test_an_add_and_a_remove_cost_one_statement_each_and_one_for_the_counters(
    content, on, django_assert_max_num_queries
):
    target = getattr(content, on)
    client = client_for(content.user("member"))

    # the token, the target with the viewer's standing, the savepoint, the membership lock,
    # the INSERT under the target's lock, the counters with the reputation, the outbox event,
    # the release; for a comment, also its post's shared lock first (a lock of the post is
    # waited for and seen)
    with django_assert_max_num_queries(8 if on == "post" else 9):
        added = client.post(reactions_url(target), {"kind": "like"}, format="json")
    # the same, without the membership lock
    with django_assert_max_num_queries(7):
        removed = client.delete(reactions_url(target) + "?kind=like")

    assert (added.status_code, removed.status_code) == (201, 204)
    assert counters(target) == (0, {"like": 0})


@pytest.mark.parametrize("on", ["post", "comment"])
def test_the_answer_to_an_add_is_the_reaction_as_listed(content, on):
    target = getattr(content, on)
    client = client_for(content.user("member"))

    added = client.post(reactions_url(target), {"kind": "like"}, format="json")
    again = client.post(reactions_url(target), {"kind": "like"}, format="json")

    listed = client.get(reactions_url(target)).json()["results"]
    assert (added.status_code, again.status_code) == (201, 200)
    assert added.json() == again.json() == listed[0]


@pytest.mark.parametrize("on", ["post", "comment"])
@pytest.mark.parametrize("change", ["deleted", "locked"])
def test_the_target_is_judged_on_its_locked_row_not_the_callers_copy(content, on, change):
    """The services trust the caller's copy of the target for its id and group only: a change
    committed since the view read it decides, and a refused write changes nothing."""
    target = getattr(content, on)
    member = content.user("member")
    reaction_add(user=member, kind="like", **{on: target})
    if change == "deleted":
        type(target).objects.filter(pk=target.pk).update(deleted_at=timezone.now())
    else:
        lock(content.post)
    before = snapshot()

    with pytest.raises(NotFound if change == "deleted" else Conflict):
        reaction_add(user=member, kind="love", **{on: target})
    assert snapshot() == before
    if change == "deleted":
        with pytest.raises(NotFound):
            reaction_remove(user=member, kind="like", **{on: target})
        assert snapshot() == before
    else:  # a locked post still lets one take a reaction back
        assert reaction_remove(user=member, kind="like", **{on: target}) is True
        assert counters(target) == (0, {"like": 0})


def test_comment_counters_live_on_the_comment_not_the_post(content):
    reaction_add(user=content.user("member"), kind="like", comment=content.comment)

    assert counters(content.comment) == (1, {"like": 1})
    assert counters(content.post) == (0, {})
    assert Comment.objects.get(pk=content.comment.pk).reactions_count == 1
