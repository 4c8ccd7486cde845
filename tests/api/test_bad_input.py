"""Bad input to group creation gets 400 with field errors, never a 500, and writes nothing."""

import pytest
from rest_framework.test import APIClient

from communities.models import Group, Membership
from tests.factories import UserFactory
from tests.fixtures import client_for, make_group

pytestmark = pytest.mark.django_db

GROUPS = "/api/communities/v1/groups/"


@pytest.fixture
def author():
    return UserFactory()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": "Owls", "visibility": "hidden"},
         {"visibility": ['"hidden" is not a valid choice.']}),
        ({"name": "x" * 10_000},
         {"name": ["Ensure this field has no more than 100 characters."]}),
        ({}, {"name": ["This field is required."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": ["Owls"]}, {"name": ["Not a valid string."]}),
        ({"name": {"a": 1}}, {"name": ["Not a valid string."]}),
        ({"name": "Owls", "visibility": 3}, {"visibility": ['"3" is not a valid choice.']}),
        ({"name": "Owls", "slug": "not a slug!"},
         {"slug": ['Enter a valid "slug" consisting of letters, numbers, underscores or '
                   "hyphens."]}),
        ({"name": "Owls\x00"}, {"name": ["Null characters are not allowed."]}),
        ({"name": "Owls", "description": "d" * 5001},
         {"description": ["Ensure this field has no more than 5000 characters."]}),
    ],
)  # fmt: skip
def test_bad_fields_get_400_with_field_errors(author, payload, errors):
    response = client_for(author).post(GROUPS, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Group.objects.count() == 0
    assert Membership.objects.count() == 0


def test_duplicate_slug_gets_400(author):
    make_group(owner=author, name="Owls")  # takes the slug "owls"

    response = client_for(author).post(GROUPS, {"name": "Other", "slug": "owls"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"slug": ["A group with this slug already exists."]}
    assert list(Group.objects.values_list("slug", flat=True)) == ["owls"]


def test_same_name_gets_the_next_free_slug(author):
    client = client_for(author)

    slugs = [client.post(GROUPS, {"name": "Night Owls"}, format="json").json()["slug"]
             for _ in range(3)]  # fmt: skip

    assert slugs == ["night-owls", "night-owls-2", "night-owls-3"]


def test_malformed_json_gets_400(author):
    response = client_for(author).post(
        GROUPS, data='{"name": "Owls",', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert Group.objects.count() == 0


@pytest.mark.parametrize("body", ["[]", '"Owls"', "42", "null"])
def test_a_body_that_is_not_an_object_gets_400(author, body):
    response = client_for(author).post(GROUPS, data=body, content_type="application/json")

    assert response.status_code == 400
    assert Group.objects.count() == 0


def test_unsupported_media_type_gets_415(author):
    response = client_for(author).post(GROUPS, data="name=x", content_type="text/csv")

    assert response.status_code == 415
    assert Group.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("groups/99999999999999999999/", 404),
        ("groups/abc/", 404),
        ("groups/-1/", 404),
        ("groups/99999999999999999999/members/", 404),
        ("groups/0/join-requests/", 404),
    ],
)
def test_ids_that_cannot_exist_get_404(author, path, status):
    response = client_for(author).get(f"/api/communities/v1/{path}")

    assert response.status_code == status


def test_huge_ids_in_bodies_get_400(author):
    group = make_group(owner=author)

    response = client_for(author).post(
        f"{GROUPS}{group.pk}/bans/", {"user": 99999999999999999999}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "user": ["Ensure this value is less than or equal to 9223372036854775807."]
    }


def test_a_broken_cursor_gets_404_not_500(author):
    response = client_for(author).get(GROUPS, {"cursor": "not-a-cursor"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def _cursor(position: str) -> str:
    import base64
    from urllib.parse import urlencode

    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("groups/", "abc"),  # a word where an id belongs
        ("groups/{group}/posts/", "abc"),
        ("groups/{group}/members/", "1e999"),
        ("posts/{post}/comments/", "a\x00"),  # a NUL where text belongs
        ("tags/", "a\x00"),
    ],
)
def test_a_forged_cursor_is_404_not_500(author, path, position):
    from tests.fixtures import make_post

    group = make_group(owner=author)
    post = make_post(group=group, author=author, tags=["x"])
    url = "/api/communities/v1/" + path.format(group=group.pk, post=post.pk)

    response = APIClient().get(url, {"cursor": _cursor(position)})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_lone_surrogate_with_an_idempotency_key_is_400_and_creates_nothing(author):
    response = client_for(author).post(
        GROUPS,
        data='{"name": "ok \\ud800 name"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )

    assert response.status_code == 400
    assert response.json() == {"name": ["Surrogate characters are not allowed: U+D800."]}
    assert Group.objects.count() == 0


@pytest.mark.parametrize("prefix", ["a\x00b", "%", "日本", "\U0001f600"])
def test_a_tag_prefix_with_characters_no_tag_holds_matches_nothing(author, prefix):
    from tests.fixtures import make_post

    make_post(group=make_group(owner=author), author=author, tags=["ab", "a-b"])

    response = APIClient().get("/api/communities/v1/tags/", {"prefix": prefix})

    assert response.status_code == 200
    assert response.json()["results"] == []
