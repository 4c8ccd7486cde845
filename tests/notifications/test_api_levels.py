"""groups/{id}/notification-level/ and posts/{id}/notification-level/: a person's level for a
group or a post's thread, for every standing: only where they may read the content (404
otherwise, as the group's or the post's own page answers), `default` stored as no row, and an
author watching their own post without one."""

import pytest

from communities.models import Visibility
from communities.services.groups import group_archive
from communities.services.posts import post_delete, post_hide
from notifications.models import GroupLevel, PostLevel
from tests.api.helpers import LARGEST_ROUTED_ID, by_visibility, pending_invitation
from tests.fixtures import ROLES, VIEWERS, client_for, make_post
from tests.notifications.helpers import group_level_url, post_level_url

pytestmark = pytest.mark.django_db

NO_GROUP = {"detail": "No group matches the given query."}
NO_POST = {"detail": "No post matches the given query."}
SIGN_IN = {"detail": "Authentication credentials were not provided."}


def levels() -> dict:
    return {
        "groups": sorted(GroupLevel.objects.values_list("user__username", "group_id", "level")),
        "posts": sorted(PostLevel.objects.values_list("user__username", "post_id", "level")),
    }


def reads_content(world, who: str) -> bool:
    return who in ROLES or world.group.visibility == Visibility.PUBLIC


# --- a group's level --------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_a_group_level_is_for_whoever_may_read_the_groups_content(world, who):
    client, url = world.client(who), group_level_url(world.group.pk)
    before = levels()

    got = client.get(url)
    put = client.put(url, {"level": "watching"}, format="json")

    if who == "anonymous":
        assert [(got.status_code, got.json()), (put.status_code, put.json())] == [
            (401, SIGN_IN),
            (401, SIGN_IN),
        ]
        assert levels() == before
    elif reads_content(world, who):
        assert (got.status_code, got.json()) == (200, {"level": "default"})
        assert (put.status_code, put.json()) == (200, {"level": "watching"})
        name = world.user(who).username
        assert levels() == {**before, "groups": [(name, world.group.pk, "watching")]}
        assert client.get(url).json() == {"level": "watching"}
    else:  # a private or secret group's outsider, or someone banned from it
        assert [(got.status_code, got.json()), (put.status_code, put.json())] == [
            (404, NO_GROUP),
            (404, NO_GROUP),
        ]
        assert levels() == before


def test_the_banned_may_read_a_public_group_and_so_set_a_level_but_not_a_private_ones(world):
    """A ban ends a membership; a public group's posts are anyone's to read, so a banned person
    may still watch them, as anyone signed out may read them; a closed group's, nobody's."""
    client, url = world.client("banned"), group_level_url(world.group.pk)

    response = client.put(url, {"level": "muted"}, format="json")

    assert response.status_code == by_visibility(world, (200, 404, 404))


def test_an_invitee_knows_a_secret_group_but_may_not_set_a_level_for_it(secret_world):
    invitee = pending_invitation(secret_world).user
    client, url = client_for(invitee), group_level_url(secret_world.group.pk)

    assert (client.get(url).status_code, client.put(url, {"level": "watching"}).status_code) == (
        404,
        404,
    )
    assert levels()["groups"] == []


def test_each_level_and_back_to_the_default_which_is_no_row(public_world):
    client, url = public_world.client("member"), group_level_url(public_world.group.pk)
    group, name = public_world.group.pk, public_world.user("member").username

    assert client.put(url, {"level": "muted"}, format="json").json() == {"level": "muted"}
    assert levels()["groups"] == [(name, group, "muted")]
    assert client.put(url, {"level": "watching"}, format="json").json() == {"level": "watching"}
    assert levels()["groups"] == [(name, group, "watching")]
    assert client.put(url, {"level": "default"}, format="json").json() == {"level": "default"}
    assert levels()["groups"] == []
    assert client.put(url, {"level": "default"}, format="json").json() == {"level": "default"}
    assert client.get(url).json() == {"level": "default"}


def test_a_level_is_the_persons_own(public_world):
    url = group_level_url(public_world.group.pk)
    public_world.client("member").put(url, {"level": "watching"}, format="json")

    assert public_world.client("admin").get(url).json() == {"level": "default"}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"level": ["This field is required."]}),
        ({"level": "loud"}, {"level": ['"loud" is not a valid choice.']}),
        ({"level": None}, {"level": ["This field may not be null."]}),
        ({"level": ["muted"]}, {"level": ["\"['muted']\" is not a valid choice."]}),
    ],
)
def test_a_bad_level_is_a_400_and_changes_nothing(public_world, body, errors):
    client, url = public_world.client("member"), group_level_url(public_world.group.pk)
    client.put(url, {"level": "muted"}, format="json")
    before = levels()

    response = client.put(url, body, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert levels() == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_an_archived_or_unknown_group_is_a_404(public_world, method):
    client = public_world.client("owner")
    group_archive(actor=public_world.user("owner"), group=public_world.group)

    for group_id in (public_world.group.pk, LARGEST_ROUTED_ID):
        response = getattr(client, method)(group_level_url(group_id), {"level": "muted"})
        assert (response.status_code, response.json()) == (404, NO_GROUP)
    assert levels()["groups"] == []


def test_an_id_past_a_bigint_is_not_routed(public_world):
    response = public_world.client("member").get(group_level_url("9" * 20))

    assert response.status_code == 404


# --- a post's level ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_a_post_level_is_for_whoever_may_read_the_post(world, who):
    post = make_post(group=world.group, author=world.user("admin"))
    client, url = world.client(who), post_level_url(post.pk)
    before = levels()

    got = client.get(url)
    put = client.put(url, {"level": "muted"}, format="json")

    if who == "anonymous":
        assert [got.status_code, put.status_code] == [401, 401]
        assert levels() == before
    elif reads_content(world, who):
        author = who == "admin"
        assert (got.status_code, got.json()) == (200, {"level": "default", "watching": author})
        assert (put.status_code, put.json()) == (200, {"level": "muted", "watching": False})
        name = world.user(who).username
        assert levels() == {**before, "posts": [(name, post.pk, "muted")]}
    else:
        assert [(got.status_code, got.json()), (put.status_code, put.json())] == [
            (404, NO_POST),
            (404, NO_POST),
        ]
        assert levels() == before


def test_an_author_watches_their_own_post_until_they_mute_it(public_world):
    post = make_post(group=public_world.group, author=public_world.user("member"))
    client, url = public_world.client("member"), post_level_url(post.pk)

    assert client.get(url).json() == {"level": "default", "watching": True}
    assert client.put(url, {"level": "muted"}, format="json").json() == {
        "level": "muted",
        "watching": False,
    }
    assert client.put(url, {"level": "default"}, format="json").json() == {
        "level": "default",
        "watching": True,
    }
    assert levels()["posts"] == []


def test_anyone_else_watches_a_post_only_when_they_ask(public_world):
    post = make_post(group=public_world.group, author=public_world.user("member"))
    client, url = public_world.client("outsider"), post_level_url(post.pk)

    assert client.get(url).json() == {"level": "default", "watching": False}
    assert client.put(url, {"level": "watching"}, format="json").json() == {
        "level": "watching",
        "watching": True,
    }
    assert levels()["posts"] == [("public-outsider", post.pk, "watching")]
    assert client.get(url).json() == {"level": "watching", "watching": True}


@pytest.mark.parametrize("who", ["member", "moderator", "outsider"])
def test_a_hidden_post_is_only_the_moderators_and_a_deleted_one_nobodys(public_world, who):
    hidden = make_post(group=public_world.group, author=public_world.user("member"))
    deleted = make_post(group=public_world.group, author=public_world.user("member"))
    post_hide(actor=public_world.user("moderator"), post=hidden)
    post_delete(actor=public_world.user("member"), post=deleted)
    client = public_world.client(who)

    hidden_answer = client.put(post_level_url(hidden.pk), {"level": "watching"}, format="json")
    deleted_answer = client.put(post_level_url(deleted.pk), {"level": "watching"}, format="json")

    assert hidden_answer.status_code == (200 if who == "moderator" else 404)  # the author too
    assert (deleted_answer.status_code, deleted_answer.json()) == (404, NO_POST)
    expected = [("public-moderator", hidden.pk, "watching")] if who == "moderator" else []
    assert levels()["posts"] == expected


def test_a_bad_post_level_is_a_400_and_changes_nothing(public_world):
    post = make_post(group=public_world.group, author=public_world.user("member"))
    client, url = public_world.client("member"), post_level_url(post.pk)

    response = client.put(url, {"level": "everything"}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"level": ['"everything" is not a valid choice.']},
    )
    assert levels()["posts"] == []
    assert client.put(post_level_url(LARGEST_ROUTED_ID), {"level": "muted"}).status_code == 404
