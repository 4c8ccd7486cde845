"""GET feed/ and GET groups/{id}/feed/: who may read them, what they hold, paging, and cost."""

import pytest

from communities.models import Post
from communities.services import posts, reactions
from feeds import cache
from feeds.models import FanoutChunk
from feeds.services import fanout_chunk_run, fanout_plan, score_refresh
from tests.feeds.readers import make_active
from tests.fixtures import build_world, client_for

pytestmark = pytest.mark.django_db
FEED = "/api/communities/v1/feed/"
STANDINGS = ["anonymous", "outsider", "banned", "member", "moderator"]


def group_feed(group) -> str:
    return f"/api/communities/v1/groups/{group.pk}/feed/"


def fan_out(post: Post) -> None:
    for chunk in fanout_plan(post_id=post.pk):
        fanout_chunk_run(chunk.pk)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [post["id"] for post in response.json()["results"]]


EXPECTED_GROUP_FEED = {
    "public": {"anonymous": 200, "outsider": 200, "banned": 200, "member": 200, "moderator": 200},
    "private": {"anonymous": 401, "outsider": 403, "banned": 403, "member": 200, "moderator": 200},
    "secret": {"anonymous": 404, "outsider": 404, "banned": 404, "member": 200, "moderator": 200},
}


@pytest.mark.parametrize("visibility", ["public", "private", "secret"])
def test_who_may_read_a_groups_feed(visibility):
    world = build_world(visibility)
    post = posts.post_create(author=world.user("member"), group=world.group, body="x")

    for who in STANDINGS:
        response = world.client(who).get(group_feed(world.group))
        assert response.status_code == EXPECTED_GROUP_FEED[visibility][who], who
        if response.status_code == 200:
            assert ids(response) == [post.pk]


@pytest.mark.parametrize("visibility", ["public", "private", "secret"])
def test_a_personal_feed_holds_its_readers_groups_posts_only(visibility):
    world = build_world(visibility)
    post = posts.post_create(author=world.user("admin"), group=world.group, body="x")
    fan_out(post)

    assert client_for().get(FEED).status_code == 401
    assert ids(world.client("outsider").get(FEED)) == []
    assert ids(world.client("banned").get(FEED)) == []
    assert ids(world.client("member").get(FEED)) == [post.pk]
    assert ids(world.client("moderator").get(FEED)) == [post.pk]


def test_the_author_sees_a_post_at_once_and_no_one_sees_a_hidden_one():
    world = build_world("public")
    make_active([world.user(who) for who in ("member", "admin", "moderator")])
    post = posts.post_create(author=world.user("member"), group=world.group, body="mine")

    assert ids(world.client("member").get(FEED)) == [post.pk]  # before any fan-out
    assert ids(world.client("admin").get(FEED)) == []
    fan_out(post)
    assert ids(world.client("admin").get(FEED)) == [post.pk]

    posts.post_hide(actor=world.user("moderator"), post=post)  # its rows are still there
    assert FanoutChunk.objects.filter(post=post).count() == 1
    for who in ("member", "admin", "moderator"):
        assert ids(world.client(who).get(FEED)) == []
    assert ids(world.client("moderator").get(group_feed(world.group))) == []


def test_a_group_too_large_to_fan_out_is_read_into_its_members_feeds(settings):
    world = build_world("private")
    settings.FEED_FANOUT_MAX_MEMBERS = 2
    post = posts.post_create(author=world.user("admin"), group=world.group, body="x")

    assert fanout_plan(post_id=post.pk) == []
    assert ids(world.client("member").get(FEED)) == [post.pk]
    assert ids(world.client("outsider").get(FEED)) == []


@pytest.mark.parametrize("order", ["top", "recent"])
def test_paging_yields_every_entry_once_in_order(order):
    world = build_world("public")
    member, admin = world.user("member"), world.user("admin")
    created = [posts.post_create(author=admin, group=world.group, body=f"{n}") for n in range(23)]
    for post in created[::3]:
        reactions.reaction_add(user=member, kind="like", post=post)
    for post in created:
        fan_out(post)
    score_refresh([post.pk for post in created])

    seen, url = [], f"{FEED}?order={order}&page_size=5"
    while url:
        body = world.client("member").get(url).json()
        assert len(body["results"]) == 5 or body["next"] is None
        seen += [post["id"] for post in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(post.pk for post in created)  # each exactly once
    if order == "recent":
        assert seen == sorted(seen, reverse=True)
    else:
        liked = {post.pk for post in created[::3]}
        assert seen[: len(liked)] == sorted(liked, reverse=True)  # a like outweighs minutes


@pytest.mark.parametrize("order", ["top", "recent"])
@pytest.mark.parametrize("page_size", [1, 50])
@pytest.mark.parametrize("read_at_request", [0, 30], ids=["fanned-out", "half-read-at-request"])
def test_a_page_costs_the_same_queries_whatever_its_size(
    order, page_size, read_at_request, settings, django_assert_num_queries
):
    world = build_world("public")
    make_active([world.user("member")])
    limit = settings.FEED_FANOUT_MAX_MEMBERS
    for n in range(60):  # the first ones written while the group was over the limit
        settings.FEED_FANOUT_MAX_MEMBERS = 1 if n < read_at_request else limit
        fan_out(posts.post_create(author=world.user("admin"), group=world.group, body=f"{n}"))
    client = world.client("member")
    query = {"order": order, "page_size": page_size}

    with django_assert_num_queries(
        5
    ):  # cold: the token, active (locked), unlocked, the ids, the page
        assert len(ids(client.get(FEED, query))) == page_size
    with django_assert_num_queries(1):  # warm: the page (the token: from Redis since the first)
        assert len(ids(client.get(FEED, query))) == page_size
    cache.stats_add()  # send the counts this process holds
    assert cache.stats_read()["reads_cached"] == 1
    with django_assert_num_queries(2):  # the group with the viewer's standing, the page
        response = client.get(group_feed(world.group), query)
        assert len(ids(response)) == page_size


@pytest.mark.parametrize("path", ["feed", "group"])
def test_an_unknown_order_is_a_400(path):
    world = build_world("public")
    url = FEED if path == "feed" else group_feed(world.group)

    response = world.client("member").get(url, {"order": "best"})

    assert response.status_code == 400
    assert response.json() == {"order": ['"best" is not a valid choice. Choose from: top, recent.']}
