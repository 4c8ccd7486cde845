"""Posts: a group's post list and create, one post's read, edit and soft delete, for every viewer
of public, private and secret groups, with bad input and fixed query counts."""

import pytest
from django.utils import timezone

from communities.models import ModerationAction, ModerationLogEntry, Post, Reaction
from communities.services.membership import group_leave
from communities.services.posts import post_delete, post_hide, post_pin
from tests.api.post_helpers import (
    MODERATORS,
    VIEWERS,
    content_snapshot,
    make_post,
    post_url,
    posts_url,
    row,
    with_author,
)
from tests.factories import UserFactory
from tests.fixtures import World, add_member, build_world, client_for

pytestmark = pytest.mark.django_db

VISIBILITIES = ("public", "private", "secret")
MEMBERS = ("member", "author", *MODERATORS)
ZERO_COUNTS = {"like": 0, "love": 0, "laugh": 0, "wow": 0, "sad": 0, "angry": 0}


def statuses(public: dict, private: dict, secret: dict) -> dict:
    return {"public": public, "private": private, "secret": secret}


def by_viewer(**codes) -> dict:
    """Status per viewer: `others` for every viewer not named."""
    others = codes.pop("others", None)
    return {who: codes.get(who, others) for who in VIEWERS}


@pytest.fixture(params=VISIBILITIES)
def world(request, db) -> World:
    return with_author(build_world(request.param))


@pytest.fixture
def public(db) -> World:
    return with_author(build_world("public"))


@pytest.fixture
def private(db) -> World:
    return with_author(build_world("private"))


# --- the permission matrix -------------------------------------------------------------------

LIST = statuses(
    public=by_viewer(others=200),
    private=by_viewer(anonymous=401, outsider=403, banned=403, others=200),
    secret=by_viewer(anonymous=404, outsider=404, banned=404, others=200),
)
DETAIL = statuses(
    public=by_viewer(others=200),
    private=by_viewer(anonymous=404, outsider=404, banned=404, others=200),
    secret=by_viewer(anonymous=404, outsider=404, banned=404, others=200),
)
CREATE = statuses(
    public=by_viewer(anonymous=401, outsider=403, banned=403, others=201),
    private=by_viewer(anonymous=401, outsider=403, banned=403, others=201),
    secret=by_viewer(anonymous=401, outsider=404, banned=404, others=201),
)
UPDATE = statuses(
    public=by_viewer(anonymous=401, author=200, others=403),
    private=by_viewer(anonymous=401, outsider=404, banned=404, author=200, others=403),
    secret=by_viewer(anonymous=401, outsider=404, banned=404, author=200, others=403),
)
DELETE = statuses(
    public=by_viewer(anonymous=401, outsider=403, banned=403, member=403, others=204),
    private=by_viewer(anonymous=401, outsider=404, banned=404, member=403, others=204),
    secret=by_viewer(anonymous=401, outsider=404, banned=404, member=403, others=204),
)


def test_list_matrix(world):
    post = make_post(world)

    got = {}
    for who in VIEWERS:
        response = world.client(who).get(posts_url(world.group))
        got[who] = response.status_code
        if response.status_code == 200:
            assert [item["id"] for item in response.json()["results"]] == [post.pk]

    assert got == LIST[world.group.visibility]


def test_detail_matrix(world):
    post = make_post(world)

    got = {}
    for who in VIEWERS:
        response = world.client(who).get(post_url(post))
        got[who] = response.status_code
        if response.status_code == 200:
            assert response.json()["id"] == post.pk

    assert got == DETAIL[world.group.visibility]


def test_create_matrix(world):
    got = {}
    for who in VIEWERS:
        before = content_snapshot()
        response = world.client(who).post(
            posts_url(world.group), {"body": f"by {who}", "tags": ["news"]}, format="json"
        )
        got[who] = response.status_code
        if response.status_code == 201:
            created = Post.objects.get(pk=response.json()["id"])
            assert (created.author, created.group, created.body) == (
                world.user(who),
                world.group,
                f"by {who}",
            )
        else:
            assert content_snapshot() == before

    assert got == CREATE[world.group.visibility]
    assert Post.objects.count() == 5  # member, author, moderator, admin, owner


def test_update_matrix(world):
    got = {}
    for who in VIEWERS:
        post = make_post(world, body="original", tags=["old"])
        before = content_snapshot()
        response = world.client(who).patch(
            post_url(post), {"body": "changed", "tags": ["new"]}, format="json"
        )
        got[who] = response.status_code
        if response.status_code == 200:
            assert response.json()["body"] == "changed"
            assert response.json()["tags"] == ["new"]
        else:
            assert content_snapshot() == before

    assert got == UPDATE[world.group.visibility]


def test_delete_matrix(world):
    got = {}
    for who in VIEWERS:
        post = make_post(world)
        before = content_snapshot()
        response = world.client(who).delete(post_url(post))
        got[who] = response.status_code
        if response.status_code == 204:
            assert row(post)["deleted_at"] is not None
            assert row(post)["deleted_by_id"] == world.user(who).pk
        else:
            assert content_snapshot() == before

    assert got == DELETE[world.group.visibility]


# --- create and read -------------------------------------------------------------------------


def test_create_answers_the_whole_post(public):
    author = public.user("author")

    response = public.client("author").post(
        posts_url(public.group),
        {"title": "Hi", "body": "First!", "tags": ["Django", "python", "django"]},
        format="json",
    )

    assert response.status_code == 201
    post = Post.objects.get()
    body = response.json()
    assert body == {
        "id": post.pk,
        "group": public.group.pk,
        "author": {"id": author.pk, "username": author.username, "reputation": 0},
        "title": "Hi",
        "body": "First!",
        "tags": ["django", "python"],
        "attachments": [],
        "reaction_counts": ZERO_COUNTS,
        "reactions_count": 0,
        "comments_count": 0,
        "my_reactions": [],
        "pinned": False,
        "locked": False,
        "hidden": False,
        "edited_at": None,
        "created_at": body["created_at"],
        "permissions": ["edit", "delete", "comment", "react", "report"],
    }
    assert post.sort_key == post.pk
    assert sorted(post.tags.values_list("name", flat=True)) == ["django", "python"]


def test_the_create_answers_what_a_read_of_the_post_answers(public):
    """The 201 is built from what the create holds, not read back: it must be byte for byte
    what a read of the post gives, tags in the order reads list them (new and existing)."""
    make_post(public, tags=["existing"])
    client = public.client("author")

    created = client.post(
        posts_url(public.group),
        {"title": "T", "body": " Body ", "tags": ["zeta", "a-c", "Existing", "ab", "a_c"]},
        format="json",
    )

    assert created.status_code == 201
    read = client.get(post_url(Post.objects.get(pk=created.json()["id"])))
    assert created.content == read.content
    assert set(created.json()["tags"]) == {"a-c", "a_c", "ab", "existing", "zeta"}


def test_a_create_costs_the_membership_lock_the_insert_and_one_statement_for_the_tags(
    public, django_assert_max_num_queries
):
    make_post(public, tags=["news", "help"])
    client = public.client("member")
    # the token, the group with the viewer's standing, the transaction's savepoint, the
    # membership lock, the INSERT (its sort_key with it), the tags linked and counted, the
    # outbox event, the author's own feed row, the release
    with django_assert_max_num_queries(9):
        response = client.post(
            posts_url(public.group), {"body": "x", "tags": ["news", "help"]}, format="json"
        )
    assert response.status_code == 201
    # a tag that does not exist yet costs two statements more: it is created, then linked
    with django_assert_max_num_queries(11):
        response = client.post(
            posts_url(public.group), {"body": "x", "tags": ["news", "brand-new"]}, format="json"
        )
    assert response.json()["tags"] == ["brand-new", "news"]
    post = Post.objects.get(pk=response.json()["id"])
    assert sorted(post.tags.values_list("name", flat=True)) == ["brand-new", "news"]
    assert post.sort_key == post.pk


def test_server_controlled_fields_cannot_be_set(public):
    other_group = build_world("private").group
    response = public.client("author").post(
        posts_url(public.group),
        {
            "body": "mine",
            "author": public.user("owner").pk,
            "group": other_group.pk,
            "pinned": True,
            "locked": True,
            "hidden": True,
            "hidden_at": "2020-01-01T00:00:00Z",
            "deleted_at": "2020-01-01T00:00:00Z",
            "reactions_count": 99,
            "reaction_counts": {"like": 99},
            "comments_count": 99,
            "sort_key": 2**62,
            "edited_at": "2020-01-01T00:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
            "id": 424242,
        },
        format="json",
    )

    assert response.status_code == 201
    post = Post.objects.get()
    assert post.pk != 424242
    assert (post.author, post.group) == (public.user("author"), public.group)
    assert (post.pinned, post.locked, post.hidden_at, post.deleted_at, post.edited_at) == (
        False,
        False,
        None,
        None,
        None,
    )
    assert (post.reactions_count, post.reaction_counts, post.comments_count) == (0, {}, 0)
    assert post.sort_key == post.pk
    assert post.created_at.year == timezone.now().year


def test_patch_cannot_set_server_controlled_fields(public):
    post = make_post(public)
    before = row(post)

    response = public.client("author").patch(
        post_url(post),
        {
            "body": "edited",
            "author": public.user("owner").pk,
            "group": 1,
            "pinned": True,
            "locked": True,
            "hidden": True,
            "reactions_count": 5,
            "comments_count": 5,
        },
        format="json",
    )

    assert response.status_code == 200
    after = row(post)
    assert after["body"] == "edited"
    assert after["edited_at"] is not None
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"body", "edited_at"}


def test_reaction_counts_and_my_reactions_come_from_stored_rows(public):
    post = make_post(public)
    Post.objects.filter(pk=post.pk).update(
        reaction_counts={"like": 2, "wow": 1}, reactions_count=3, comments_count=4
    )
    member = public.user("member")
    Reaction.objects.create(user=member, post=post, kind="wow")
    Reaction.objects.create(user=member, post=post, kind="like")
    Reaction.objects.create(user=public.user("owner"), post=post, kind="like")

    as_member = public.client("member").get(post_url(post)).json()
    as_anonymous = public.client("anonymous").get(post_url(post)).json()
    listed = public.client("member").get(posts_url(public.group)).json()["results"][0]

    assert as_member["reaction_counts"] == {**ZERO_COUNTS, "like": 2, "wow": 1}
    assert (as_member["reactions_count"], as_member["comments_count"]) == (3, 4)
    assert as_member["my_reactions"] == ["like", "wow"]
    assert listed["my_reactions"] == ["like", "wow"]
    assert as_anonymous["my_reactions"] == []
    assert public.client("author").get(post_url(post)).json()["my_reactions"] == []


def test_a_removed_author_serializes_as_null(public):
    post = make_post(public)
    public.user("author").delete()

    response = public.client("member").get(post_url(post))

    assert response.status_code == 200
    assert response.json()["author"] is None


def test_pinned_posts_come_first_across_pages(public):
    posts = [make_post(public, body=f"post {n}") for n in range(7)]
    post_pin(actor=public.user("moderator"), post=posts[1])
    post_pin(actor=public.user("moderator"), post=posts[4])
    client = public.client("member")

    seen, url = [], posts_url(public.group) + "?page_size=2"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen.extend((item["id"], item["pinned"]) for item in page["results"])
        url = page["next"]

    order = [4, 1, 6, 5, 3, 2, 0]
    assert seen == [(posts[n].pk, n in (1, 4)) for n in order]


def test_the_tag_filter_lists_only_tagged_posts(public):
    tagged = make_post(public, tags=["python"])
    make_post(public, tags=["django"])
    make_post(public)
    url = posts_url(public.group)

    assert [p["id"] for p in public.client("member").get(url, {"tag": "Python"}).json()[
        "results"
    ]] == [tagged.pk]  # fmt: skip
    assert public.client("member").get(url, {"tag": "nothing"}).json()["results"] == []
    bad = public.client("member").get(url, {"tag": "!!!"})
    assert bad.status_code == 400
    assert bad.json() == {"tag": ["A tag must contain a letter or a digit: '!!!'."]}


def test_the_tag_filter_does_not_open_a_private_group(private):
    make_post(private, tags=["python"])

    response = private.client("outsider").get(posts_url(private.group), {"tag": "python"})

    assert response.status_code == 403


# --- edit ------------------------------------------------------------------------------------


def test_the_author_edits_title_body_and_tags(public):
    post = make_post(public, title="Old", body="old body", tags=["a", "b"])

    response = public.client("author").patch(
        post_url(post), {"title": "", "tags": ["B", "c"]}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["body"], body["tags"]) == ("", "old body", ["b", "c"])
    assert body["edited_at"] is not None
    post.refresh_from_db()
    assert (post.title, post.body) == ("", "old body")
    assert sorted(post.tags.values_list("name", flat=True)) == ["b", "c"]


def test_an_empty_patch_is_400_and_changes_nothing(public):
    post = make_post(public)
    before = row(post)

    response = public.client("author").patch(post_url(post), {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send at least one of title, body or tags."]}
    assert row(post) == before


def test_a_banned_author_can_no_longer_edit(public):
    post = make_post(public)
    client = public.client("author")
    public.client("owner").post(
        f"/api/communities/v1/groups/{public.group.pk}/bans/",
        {"user": public.user("author").pk},
        format="json",
    )
    before = row(post)

    response = client.patch(post_url(post), {"body": "sneaky"}, format="json")

    assert response.status_code == 403
    assert row(post) == before


def test_put_is_not_allowed(public):
    post = make_post(public)

    response = public.client("author").put(post_url(post), {"body": "x"}, format="json")

    assert response.status_code == 405


# --- soft delete -----------------------------------------------------------------------------


def test_a_deleted_post_is_gone_for_readers_but_its_row_stays(public):
    post = make_post(public)
    kept = make_post(public, body="kept")

    response = public.client("author").delete(post_url(post))

    assert response.status_code == 204
    assert Post.objects.filter(pk=post.pk).exists()
    deleted = row(post)
    assert deleted["deleted_by_id"] == public.user("author").pk
    assert deleted["body"] == "Hello"
    for who in ("anonymous", "outsider", "member", "author"):
        assert public.client(who).get(post_url(post)).status_code == 404
        listed = public.client(who).get(posts_url(public.group)).json()["results"]
        assert [item["id"] for item in listed] == [kept.pk]
    for who in MODERATORS:
        assert public.client(who).get(post_url(post)).status_code == 200
        listed = public.client(who).get(posts_url(public.group)).json()["results"]
        assert [item["id"] for item in listed] == [kept.pk]
    # the author's own delete is not moderation
    assert ModerationLogEntry.objects.filter(post__isnull=False).count() == 0


def test_a_moderator_deleting_someone_elses_post_is_logged(public):
    post = make_post(public)

    response = public.client("moderator").delete(post_url(post))

    assert response.status_code == 204
    entry = ModerationLogEntry.objects.get(post__isnull=False)
    assert (entry.group, entry.actor, entry.action, entry.post, entry.target_user) == (
        public.group,
        public.user("moderator"),
        ModerationAction.DELETE_POST,
        post,
        public.user("author"),
    )


def test_deleting_twice_is_404_and_changes_nothing(public):
    post = make_post(public)
    post_delete(actor=public.user("author"), post=post)
    before = content_snapshot()

    for who in ("author", "moderator"):
        assert public.client(who).delete(post_url(post)).status_code == 404
        response = public.client(who).patch(post_url(post), {"body": "x"}, format="json")
        assert response.status_code == 404
        assert content_snapshot() == before


def test_moderators_can_delete_hidden_posts(public):
    post = make_post(public)
    post_hide(actor=public.user("moderator"), post=post)

    assert public.client("author").delete(post_url(post)).status_code == 404  # cannot see it
    assert public.client("admin").delete(post_url(post)).status_code == 204
    assert row(post)["deleted_by_id"] == public.user("admin").pk


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"body": ""}, {"body": ["This field may not be blank."]}),
        ({"body": "   "}, {"body": ["This field may not be blank."]}),
        ({}, {"body": ["This field is required."]}),
        ({"body": "x" * 40_001},
         {"body": ["Ensure this field has no more than 40000 characters."]}),
        ({"body": "ok", "title": "t" * 301},
         {"title": ["Ensure this field has no more than 300 characters."]}),
        ({"body": "ok", "tags": [f"t{n}" for n in range(11)]},
         {"tags": ["Ensure there are no more than 10 tags."]}),
        ({"body": "ok", "tags": ["a" * 33]},
         {"tags": [f"Ensure each tag has no more than 32 characters: '{'a' * 33}'."]}),
        ({"body": "ok", "tags": ["!!!"]},
         {"tags": ["A tag must contain a letter or a digit: '!!!'."]}),
        ({"body": "ok", "tags": "python"},
         {"tags": ['Expected a list of items but got type "str".']}),
        ({"body": "ok", "tags": [{"a": 1}]}, {"tags": {"0": ["Not a valid string."]}}),
        ({"body": ["x"]}, {"body": ["Not a valid string."]}),
        ({"body": {"a": 1}}, {"body": ["Not a valid string."]}),
        ({"body": None}, {"body": ["This field may not be null."]}),
        ({"body": "ok", "title": ["t"]}, {"title": ["Not a valid string."]}),
        ({"body": "nul\x00"}, {"body": ["Null characters are not allowed."]}),
    ],
)  # fmt: skip
def test_bad_post_input_is_400_with_field_errors_and_no_rows(public, payload, errors):
    response = public.client("member").post(posts_url(public.group), payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert content_snapshot() == {"posts": [], "post_tags": [], "tags": [], "log": 0}


def test_the_longest_body_and_title_and_most_tags_are_accepted(public):
    response = public.client("member").post(
        posts_url(public.group),
        {"body": "x" * 40_000, "title": "t" * 300, "tags": [f"t{n}" for n in range(10)]},
        format="json",
    )

    assert response.status_code == 201
    assert len(response.json()["tags"]) == 10


@pytest.mark.parametrize("body", ['{"body": "hi",', "[]", '"hi"', "null"])
def test_malformed_or_non_object_json_is_400(public, body):
    response = public.client("member").post(
        posts_url(public.group), data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"body": ""}, {"body": ["This field may not be blank."]}),
        ({"body": "x" * 40_001},
         {"body": ["Ensure this field has no more than 40000 characters."]}),
        ({"tags": ["!!!"]}, {"tags": ["A tag must contain a letter or a digit: '!!!'."]}),
        ({"tags": [f"t{n}" for n in range(11)]},
         {"tags": ["Ensure there are no more than 10 tags."]}),
        ({"title": "t" * 301}, {"title": ["Ensure this field has no more than 300 characters."]}),
    ],
)  # fmt: skip
def test_bad_edits_are_400_and_change_nothing(public, payload, errors):
    post = make_post(public, tags=["keep"])
    before = content_snapshot()

    response = public.client("author").patch(post_url(post), payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert content_snapshot() == before


def test_malformed_json_on_patch_is_400(public):
    post = make_post(public)
    before = row(post)

    response = public.client("author").patch(
        post_url(post), data='{"body": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert row(post) == before


@pytest.mark.parametrize(
    "path", ["posts/99999999999999999999/", "posts/abc/", "posts/0/", "posts/-1/pin/"]
)
def test_ids_that_cannot_exist_are_404(public, path):
    response = public.client("owner").get(f"/api/communities/v1/{path}")

    assert response.status_code == 404


def test_posting_in_a_group_that_does_not_exist_is_404(public):
    response = public.client("member").post(
        "/api/communities/v1/groups/99999999/posts/", {"body": "x"}, format="json"
    )

    assert response.status_code == 404
    assert Post.objects.count() == 0


# --- idempotency -----------------------------------------------------------------------------


def test_a_repeated_create_with_the_same_key_replays_and_creates_one_post(public):
    client = public.client("member")
    payload = {"body": "once", "tags": ["x"]}

    first = client.post(posts_url(public.group), payload, format="json", headers={
        "Idempotency-Key": "post-1"})  # fmt: skip
    second = client.post(posts_url(public.group), payload, format="json", headers={
        "Idempotency-Key": "post-1"})  # fmt: skip

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Post.objects.count() == 1
    assert first.json()["id"] == Post.objects.get().pk


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_the_post_list_costs_the_same_queries_for_any_page_size(
    public, who, django_assert_max_num_queries
):
    authors = [UserFactory() for _ in range(5)]
    for author in authors:
        add_member(public.group, author)
    member = public.user("member")
    for n in range(50):
        post = make_post(public, who="member", tags=[f"t{n % 7}", "all"])
        Post.objects.filter(pk=post.pk).update(author=authors[n % 5])
        Reaction.objects.create(user=member, post=post, kind="like")
    hidden = make_post(public, tags=["hidden"])
    post_hide(actor=public.user("moderator"), post=hidden)
    client = client_for(public.user(who))
    client.get(posts_url(public.group))

    for page_size in (1, 50):
        with django_assert_max_num_queries(3):  # token, the group and the viewer, the page
            response = client.get(posts_url(public.group), {"page_size": page_size})
        results = response.json()["results"]
        assert len(results) == page_size
        assert all(item["tags"] for item in results)
        assert all(item["my_reactions"] == (["like"] if who == "member" else []) for item in
                   results if item["id"] != hidden.pk)  # fmt: skip


def test_a_member_who_left_cannot_post(public):
    group_leave(user=public.user("member"), group=public.group)

    response = public.client("member").post(posts_url(public.group), {"body": "x"}, format="json")

    assert response.status_code == 403
    assert Post.objects.count() == 0


# --- schema and browsable API ----------------------------------------------------------------


def test_the_schema_lists_the_post_and_tag_endpoints(db):
    response = client_for().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = set(response.json()["paths"])
    prefix = "/api/communities/v1/"
    assert {
        f"{prefix}groups/{{group_pk}}/posts/",
        f"{prefix}posts/{{id}}/",
        *(f"{prefix}posts/{{id}}/{action}/" for action in MODERATION_ACTIONS),
        f"{prefix}tags/",
    } <= paths


MODERATION_ACTIONS = ("pin", "unpin", "lock", "unlock", "hide", "restore")


@pytest.mark.parametrize("path", ["groups/{group}/posts/", "posts/{post}/", "tags/"])
@pytest.mark.parametrize("who", ["owner", "anonymous"])
def test_the_browsable_api_renders_posts_and_tags(public, path, who):
    post = make_post(public, tags=["python"])
    url = "/api/communities/v1/" + path.format(group=public.group.pk, post=post.pk)

    response = public.client(who).get(url, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
