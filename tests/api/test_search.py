"""Search: GET search/?q= finds what the viewer may read and nothing else, best match first, in
pages of a fixed number of queries; the index functions are idempotent; bad input is a 400.

The event consumer calls search_index_post and search_index_comment after each change; these
tests call them directly after each write, so that they do not depend on it."""

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from communities.models import Comment, Post, Visibility
from communities.services.comments import (
    comment_delete,
    comment_hide,
    comment_restore,
    comment_update,
)
from communities.services.posts import post_delete, post_hide, post_update
from communities.services.search import (
    search_index_comment,
    search_index_post,
    search_reindex_all,
)
from tests.api.helpers import API, schema_paths, when
from tests.fixtures import VIEWERS, build_world, client_for, make_comment, make_group, make_post

pytestmark = pytest.mark.django_db

SEARCH = f"{API}/search/"
MEMBERS = ("member", "moderator", "admin", "owner")


def indexed_post(world, who: str = "member", *, body: str, title: str = "", **fields) -> Post:
    post = make_post(group=world.group, author=world.user(who), title=title, body=body, **fields)
    search_index_post(post.pk)
    return post


def indexed_comment(world, post: Post, who: str = "member", *, body: str) -> Comment:
    comment = make_comment(post=post, author=world.user(who), body=body)
    search_index_comment(comment.pk)
    return comment


def found(client, q: str, **params) -> list[tuple[str, int]]:
    """(type, id) of every result of one page of up to 100."""
    response = client.get(SEARCH, {"q": q, "page_size": 100, **params})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["next"] is None and body["previous"] is None
    return [(row["type"], row["id"]) for row in body["results"]]


def vector(row) -> str | None:
    return type(row).objects.filter(pk=row.pk).values_list("search_vector", flat=True).get()


def set_vector(row, value: str | None) -> None:
    type(row).objects.filter(pk=row.pk).update(search_vector=value)


def unindexed() -> None:
    """Every vector NULL, as before search existed."""
    Post.objects.update(search_vector=None)
    Comment.objects.update(search_vector=None)


def row_version(row) -> str:
    """The row's xmin: it changes whenever PostgreSQL writes a new version of the row."""
    table = connection.ops.quote_name(type(row)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {table} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


# --- who finds what --------------------------------------------------------------------------


def test_public_content_is_found_by_everyone(public_world):
    post = indexed_post(public_world, body="Owls hoot at night")
    comment = indexed_comment(public_world, post, body="An owl woke me up")

    for who in VIEWERS:
        assert found(public_world.client(who), "owls") == [("post", post.pk),
                                                          ("comment", comment.pk)], who  # fmt: skip


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.SECRET])
def test_closed_content_is_found_by_its_members_and_nobody_else(visibility):
    world = build_world(visibility)
    post = indexed_post(world, title="Quarterly plans", body="The plans for the quarter")
    comment = indexed_comment(world, post, who="owner", body="More plans")
    stranger_world = build_world(Visibility.PUBLIC)  # members of another group find nothing
    expected = [("post", post.pk), ("comment", comment.pk)]

    for who in MEMBERS:
        assert found(world.client(who), "plans") == expected, who
    for who in ("anonymous", "outsider", "banned"):
        assert found(world.client(who), "plans") == [], who
    assert found(stranger_world.client("owner"), "plans") == []


def test_an_archived_groups_content_is_found_by_nobody(public_world):
    from communities.services.groups import group_archive

    indexed_post(public_world, body="Owls")
    group_archive(actor=public_world.user("owner"), group=public_world.group)

    assert found(public_world.client("owner"), "owls") == []


def test_a_rule_that_lets_the_viewer_read_no_group_finds_nothing(public_world, monkeypatch):
    from communities.models import Group
    from communities.selectors import search

    indexed_post(public_world, body="Owls")
    monkeypatch.setattr(search, "content_visible_groups", lambda viewer: Group.objects.none())

    assert found(client_for(), "owls") == []


def test_a_result_holds_the_post_the_group_a_snippet_and_the_rank(public_world):
    group = public_world.group
    post = indexed_post(public_world, title="Owls", body="Barn owls nest in old barns.")
    comment = indexed_comment(public_world, post, body="I saw an owl yesterday.")

    response = client_for().get(SEARCH, {"q": "owl"})

    assert response.status_code == 200
    group_summary = {"id": group.pk, "slug": group.slug, "name": group.name}
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "type": "post",
                "id": post.pk,
                "post_id": post.pk,
                "group": group_summary,
                "title": "Owls",
                "snippet": "Barn <mark>owls</mark> nest in old barns.",
                "rank": 1.4,  # the title's weight (1.0) and the body's (0.4)
                "created_at": when(post.created_at),
            },
            {
                "type": "comment",
                "id": comment.pk,
                "post_id": post.pk,
                "group": group_summary,
                "title": "Owls",
                "snippet": "I saw an <mark>owl</mark> yesterday.",
                "rank": 0.4,
                "created_at": when(comment.created_at),
            },
        ],
    }


def test_snippets_are_escaped_html_with_only_the_mark_tags(public_world):
    body = """Owls: <script>alert("owls")</script> & <b onclick='x'>owls</b> &amp; tom&jerry"""
    indexed_post(public_world, body=body)

    results = client_for().get(SEARCH, {"q": "owls"}).json()["results"]

    # PostgreSQL's parser reads an entity as one token (counted as a word by ts_headline):
    # a snippet never cuts one in two.
    assert [row["snippet"] for row in results] == [
        "<mark>Owls</mark>: &lt;script&gt;alert(&quot;<mark>owls</mark>&quot;)&lt;/script&gt; "
        "&amp; &lt;b onclick"
    ]
    indexed_post(public_world, body="Cat & Mouse <i>and</i> 'owls'")
    results = client_for().get(SEARCH, {"q": "mouse"}).json()["results"]
    assert [row["snippet"] for row in results] == [
        "Cat &amp; <mark>Mouse</mark> &lt;i&gt;and&lt;/i&gt; &#x27;owls&#x27;"
    ]


# --- hidden, deleted, stale ------------------------------------------------------------------


@pytest.fixture
def removed(public_world):
    """In a public group: a post and a comment shown, and one of each hidden and deleted, a
    comment shown on the hidden post; all indexed while they were shown (the vectors they had
    then are on each row as `shown_vector`)."""
    world = public_world
    moderator = world.user("moderator")
    shown = indexed_post(world, body="Shown owls")
    hidden = indexed_post(world, body="Hidden owls")
    deleted = indexed_post(world, body="Deleted owls")
    rows = {
        "shown": shown,
        "shown comment": indexed_comment(world, shown, body="Shown owls"),
        "hidden comment": indexed_comment(world, shown, body="Hidden owls"),
        "deleted comment": indexed_comment(world, shown, body="Deleted owls"),
        "on hidden post": indexed_comment(world, hidden, body="Owls on a hidden post"),
        "hidden": hidden,
        "deleted": deleted,
    }
    for row in rows.values():
        row.shown_vector = vector(row)
    post_hide(actor=moderator, post=hidden)
    post_delete(actor=world.user("member"), post=deleted)
    comment_hide(actor=moderator, comment=rows["hidden comment"])
    comment_delete(actor=world.user("member"), comment=rows["deleted comment"])
    return world, rows


def _shown_only(rows) -> list[tuple[str, int]]:
    return [("post", rows["shown"].pk), ("comment", rows["shown comment"].pk)]


def test_hidden_and_deleted_content_is_not_found_once_reindexed(removed):
    world, rows = removed
    for row in rows.values():
        (search_index_post if isinstance(row, Post) else search_index_comment)(row.pk)

    assert [name for name, row in rows.items() if vector(row) is None] == [
        "hidden comment", "deleted comment", "hidden", "deleted",
    ]  # fmt: skip
    for who in VIEWERS:  # moderators too: search shows hidden content to nobody
        assert found(world.client(who), "owls") == _shown_only(rows), who


def test_hidden_and_deleted_content_is_not_found_even_when_the_index_is_stale(removed):
    world, rows = removed
    for row in rows.values():  # the index lags: every row keeps the vector it had when shown
        set_vector(row, row.shown_vector)

    assert all(vector(row) is not None for row in rows.values())
    for who in VIEWERS:
        assert found(world.client(who), "owls") == _shown_only(rows), who


def test_restored_content_is_found_again_after_reindex(removed):
    world, rows = removed
    comment = rows["hidden comment"]
    search_index_comment(comment.pk)
    assert vector(comment) is None

    comment_restore(actor=world.user("moderator"), comment=comment)
    search_index_comment(comment.pk)

    assert found(client_for(), "hidden") == [("comment", comment.pk)]


def test_edits_are_found_once_reindexed(public_world):
    author = public_world.user("member")
    post = indexed_post(public_world, title="Owls", body="Barn owls")
    comment = indexed_comment(public_world, post, body="Tawny owls")

    post_update(actor=author, post=post, title="Herons", body="Grey herons")
    comment_update(actor=author, comment=comment, body="Night herons")
    search_index_post(post.pk)
    search_index_comment(comment.pk)

    assert found(client_for(), "herons") == [("post", post.pk), ("comment", comment.pk)]
    assert found(client_for(), "owls") == []


# --- the index functions ---------------------------------------------------------------------


def test_indexing_twice_writes_no_new_row_version(public_world):
    post = indexed_post(public_world, title="Owls", body="Barn owls")
    comment = indexed_comment(public_world, post, body="Tawny owls")
    versions = (row_version(post), row_version(comment))

    search_index_post(post.pk)
    search_index_comment(comment.pk)

    assert (row_version(post), row_version(comment)) == versions
    assert vector(post) == "'barn':2B 'owl':1A,3B"
    assert vector(comment) == "'owl':2B 'tawni':1B"


def test_indexing_a_missing_row_does_nothing(db):
    search_index_post(999_999)
    search_index_comment(999_999)

    assert (Post.objects.count(), Comment.objects.count()) == (0, 0)


def test_reindex_all_recomputes_every_vector_in_batches(public_world):
    posts = [make_post(group=public_world.group, author=public_world.user("member"),
                       body=f"Owl number {n}") for n in range(5)]  # fmt: skip
    comments = [make_comment(post=posts[0], author=public_world.user("member"), body="Owls")]
    post_hide(actor=public_world.user("moderator"), post=posts[4])
    unindexed()
    reports = []

    changed = search_reindex_all(batch_size=2, progress=lambda *args: reports.append(args))

    assert changed == {"post": 4, "comment": 1}  # the hidden post's vector stays NULL
    assert [vector(post) is None for post in posts] == [False, False, False, False, True]
    assert vector(comments[0]) == "'owl':1B"
    first, last = posts[0].pk, posts[-1].pk
    assert reports == [
        ("post", first + 1, last, 2),
        ("post", first + 3, last, 4),
        ("post", last, last, 4),
        ("comment", comments[0].pk, comments[0].pk, 1),
    ]
    assert search_reindex_all(batch_size=2) == {"post": 0, "comment": 0}


def test_the_search_reindex_command_follows_the_search_config(public_world, settings):
    post = make_post(group=public_world.group, author=public_world.user("member"), body="To be")
    unindexed()
    out = io.StringIO()

    call_command("search_reindex", stdout=out)
    assert found(client_for(), "to be") == []  # stop words, in english
    settings.SEARCH_CONFIG = "simple"  # no stop words, no stemming
    call_command("search_reindex", batch_size=10, stdout=out)

    assert found(client_for(), "to be") == [("post", post.pk)]
    assert vector(post) == "'be':2B 'to':1B"
    assert out.getvalue().splitlines() == [
        f"posts: ids up to {post.pk} of {post.pk}, 1 changed",
        "Done; vectors changed: posts 1, comments 0.",
        f"posts: ids up to {post.pk} of {post.pk}, 1 changed",
        "Done; vectors changed: posts 1, comments 0.",
    ]


# --- order, filters, pages -------------------------------------------------------------------


def test_title_matches_rank_above_body_matches(public_world):
    in_title = indexed_post(public_world, title="Owls", body="Birds of the night")
    in_body = indexed_post(public_world, title="Birds", body="Owls of the night")
    in_comment = indexed_comment(public_world, in_title, body="Owls!")

    results = client_for().get(SEARCH, {"q": "owls"}).json()["results"]

    assert [(row["type"], row["id"], row["rank"]) for row in results] == [
        ("post", in_title.pk, 1.0),
        ("post", in_body.pk, 0.4),  # as well as the comment: posts first, then newest first
        ("comment", in_comment.pk, 0.4),
    ]


def test_filters_by_group_tag_and_type(public_world):
    world = public_world
    owner = world.user("owner")
    other = make_group(owner=owner, name="Other")
    private = build_world(Visibility.PRIVATE)
    tagged = indexed_post(world, body="Owls", tags=["Birds"])
    untagged = indexed_post(world, body="Owls")
    on_tagged = indexed_comment(world, tagged, body="Owls")
    on_untagged = indexed_comment(world, untagged, body="Owls")
    elsewhere = make_post(group=other, author=owner, body="Owls", tags=["birds"])
    search_index_post(elsewhere.pk)
    secret = indexed_post(private, body="Owls", tags=["birds"])
    client = world.client("member")

    assert found(client, "owls", group=world.group.pk) == [
        ("post", untagged.pk), ("post", tagged.pk),
        ("comment", on_untagged.pk), ("comment", on_tagged.pk),
    ]  # fmt: skip
    assert found(client, "owls", group=other.pk) == [("post", elsewhere.pk)]
    assert found(client, "owls", group=private.group.pk) == []  # not a member: no rows
    assert found(private.client("member"), "owls", group=private.group.pk) == [("post", secret.pk)]
    assert found(client, "owls", group=999_999) == []
    assert found(client, "owls", tag=" BIRDS") == [
        ("post", elsewhere.pk), ("post", tagged.pk), ("comment", on_tagged.pk),
    ]  # fmt: skip
    assert found(client, "owls", tag="birds", type="comment") == [("comment", on_tagged.pk)]
    assert found(client, "owls", group=world.group.pk, type="post") == [
        ("post", untagged.pk), ("post", tagged.pk),
    ]  # fmt: skip
    assert found(client, "owls", tag="cats") == []
    assert len(found(client, "owls", type="", group="")) == 5  # blank, as a form sends: no filter


def test_pages_visit_every_match_once_in_rank_order(public_world):
    # Ranks that tie (same text) and differ (one to three mentions), over posts and comments.
    posts = [indexed_post(public_world, body="owl " * (n % 3 + 1)) for n in range(12)]
    for n, post in enumerate(posts[:9]):
        indexed_comment(public_world, post, body="owl " * (n % 2 + 1))
    client = client_for()
    everything = client.get(SEARCH, {"q": "owl", "page_size": 100}).json()["results"]

    seen, url, pages = [], f"{SEARCH}?q=owl&page_size=4", 0
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 4
        assert body["previous"] is None  # forward only
        seen.extend(body["results"])
        url, pages = body["next"], pages + 1

    assert len(everything) == 21
    assert seen == everything
    assert pages == 6
    order = [(-row["rank"], row["type"] == "comment", -row["id"]) for row in everything]
    assert order == sorted(order)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_a_page_costs_the_same_queries_for_any_page_size(
    public_world, who, django_assert_max_num_queries
):
    for n in range(30):
        post = indexed_post(public_world, title=f"Owl {n}", body="Owls and more owls")
        indexed_comment(public_world, post, body="Owls")
    client = public_world.client(who)
    client.get(SEARCH, {"q": "owls"})

    for page_size in (1, 50):
        with django_assert_max_num_queries(1 if who == "anonymous" else 2):
            response = client.get(SEARCH, {"q": "owls", "page_size": page_size})
        assert len(response.json()["results"]) == page_size


# --- input -----------------------------------------------------------------------------------


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"q": ["This field is required."]}),
        ({"q": ""}, {"q": ["This field may not be blank."]}),
        ({"q": "   "}, {"q": ["This field may not be blank."]}),
        ({"q": "o" * 201}, {"q": ["Ensure this field has no more than 200 characters."]}),
        ({"q": "owls\x00"}, {"q": ["Null characters are not allowed."]}),
        ({"q": "owls", "type": "posts"}, {"type": ['"posts" is not a valid choice.']}),
        ({"q": "owls", "group": "abc"}, {"group": ["A valid integer is required."]}),
        ({"q": "owls", "group": "99999999999999999999"},
         {"group": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ({"q": "owls", "group": "0"},
         {"group": ["Ensure this value is greater than or equal to 1."]}),
        ({"q": "owls", "tag": "!!!"}, {"tag": ["A tag must contain a letter or a digit: '!!!'."]}),
        ({"q": "owls", "tag": ""}, {"tag": ["A tag must contain a letter or a digit: ''."]}),
        ({"q": "", "type": "x"}, {"q": ["This field may not be blank."],
                                  "type": ['"x" is not a valid choice.']}),
        ({"q": "owls", "cursor": "not-a-cursor"}, INVALID_CURSOR),
        ({"q": "owls", "cursor": ""}, INVALID_CURSOR),
        ({"q": "owls", "cursor": "é"}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor({"rank": 1})}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor("abc")}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "post"])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor(["1", "post", 1])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([True, "post", 1])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "user", 1])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "post\x00", 1])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "post", 0])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "post", 2**63])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([1.0, "post", 1.5])}, INVALID_CURSOR),
        ({"q": "owls", "cursor": base64.b64encode(b"[NaN, \"post\", 1]").decode()}, INVALID_CURSOR),
        ({"q": "owls", "cursor": base64.b64encode(b"[1e999, \"post\", 1]").decode()},
         INVALID_CURSOR),
        ({"q": "owls", "cursor": _cursor([10**400, "post", 1])}, INVALID_CURSOR),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_parameter(public_world, params, errors):
    indexed_post(public_world, body="Owls")

    response = APIClient().get(SEARCH, params)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("the and of", []),  # stop words only: an empty query, not an error
        ('"', []),
        ('"barn owls', ["barn"]),
        ('"barn owls"', ["barn"]),
        ('"owls barn"', []),
        ("barn or tawny", ["tawny", "barn"]),
        ("owls -barn", ["tawny"]),
        ("&|!():*", []),
        ("owls & | ! ( ) : * <-> \\ '", ["tawny", "barn"]),  # tsquery syntax is plain text here
        ("owl:*", ["tawny", "barn"]),
        ("日本語 😀 ü", []),
        ("o" * 200, []),
        ("%", []),
        ("' OR 1=1 --", []),
    ],
)
def test_odd_queries_are_answered_never_with_a_server_error(public_world, q, expected):
    posts = {
        "barn": indexed_post(public_world, body="Barn owls"),
        "tawny": indexed_post(public_world, body="Tawny owls"),
    }

    assert found(client_for(), q) == [("post", posts[name].pk) for name in expected]


def test_the_search_endpoint_is_in_the_schema():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = schema.json()["paths"]["/api/communities/v1/search/"]["get"]
    assert [parameter["name"] for parameter in operation["parameters"]] == [
        "cursor", "group", "page_size", "q", "tag", "type",
    ]  # fmt: skip
    assert f"{API}/search/" in schema_paths()
