"""The OpenAPI schema, Swagger UI and the browsable API cover every endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import concrete, schema_paths
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_endpoint():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/auth/register/",
        "/api/auth/token/",
        "/api/auth/logout/",
        "/api/auth/me/",
        "/api/communities/v1/groups/",
        "/api/communities/v1/groups/{id}/",
        "/api/communities/v1/groups/{id}/join/",
        "/api/communities/v1/groups/{id}/leave/",
        "/api/communities/v1/groups/{group_pk}/members/",
        "/api/communities/v1/groups/{group_pk}/members/{user_id}/",
        "/api/communities/v1/groups/{group_pk}/join-requests/",
        "/api/communities/v1/groups/{group_pk}/join-requests/{id}/approve/",
        "/api/communities/v1/groups/{group_pk}/join-requests/{id}/deny/",
        "/api/communities/v1/groups/{group_pk}/bans/",
        "/api/communities/v1/groups/{group_pk}/bans/{user_id}/",
        "/api/communities/v1/groups/{group_pk}/invitations/",
        "/api/communities/v1/groups/{group_pk}/invitations/{id}/",
    } <= paths


def test_api_root_lists_the_collections_of_communities_feeds_and_notifications():
    response = APIClient().get("/api/communities/v1/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    base = "http://testserver/api/communities/v1/"
    assert response.json() == {
        name: f"{base}{name}/"
        for name in (
            "groups", "tags", "reports", "search", "uploads", "users", "blocks", "feed",
            "notifications",
        )
    }  # fmt: skip


def test_swagger_ui_is_served():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert APIClient().options("/api/docs/").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/api/communities/v1/",
        "/api/communities/v1/groups/",
        "/api/communities/v1/groups/{id}/",
        "/api/communities/v1/groups/{id}/members/",
        "/api/communities/v1/groups/{id}/join-requests/",
        "/api/communities/v1/groups/{id}/bans/",
        "/api/communities/v1/groups/{id}/invitations/",
        "/api/auth/me/",
    ],
)
def test_browsable_api_renders_html_for_the_owner(public_world, path):
    client = client_for(public_world.user("owner"))

    response = client.get(path.format(id=public_world.group.pk), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_post_only_endpoints_render_their_form():
    response = APIClient().get("/api/auth/register/", HTTP_ACCEPT="text/html")

    assert response.status_code == 405  # GET is not allowed, but the page carries the form
    assert b'name="password"' in response.content


def test_every_endpoint_renders_in_the_browsable_api_without_a_server_error(every_kind_of_row):
    from communities.models import Group

    owner = Group.objects.get(pk=every_kind_of_row["groups"]).created_by
    owner.is_staff = True  # site staff too, for the operators' paths (api/ops/)
    owner.save(update_fields=["is_staff"])
    client = client_for(owner)
    paths = [concrete(path, every_kind_of_row) for path in schema_paths()]
    assert len(paths) >= 30

    failures = {}
    for path in paths:
        for method, accept in (("get", "text/html"), ("options", "application/json")):
            response = getattr(client, method)(path, HTTP_ACCEPT=accept)
            if response.status_code >= 500 or response.status_code in (401, 403, 404):
                failures[f"{method.upper()} {path}"] = response.status_code
            elif method == "get" and response.status_code in (200, 405):
                assert response["Content-Type"].startswith("text/html"), path
    assert failures == {}


def test_every_operation_has_one_meaningful_tag_and_the_description_covers_the_api():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    tags = {
        (method, path): operation["tags"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    declared = [tag["name"] for tag in schema["tags"]]
    assert declared == [
        "auth", "groups", "members", "posts", "comments", "reactions", "people", "reports",
        "moderation", "search", "feeds", "uploads", "notifications", "live", "ops",
    ]  # fmt: skip
    assert all(len(names) == 1 and names[0] in declared for names in tags.values()), tags
    assert {names[0] for names in tags.values()} == set(declared)  # each tag holds something
    v1 = "/api/communities/v1"
    assert tags["post", f"{v1}/groups/"] == ["groups"]
    assert tags["post", f"{v1}/groups/{{id}}/join/"] == ["members"]
    assert tags["post", f"{v1}/groups/{{group_pk}}/join-requests/{{id}}/approve/"] == ["members"]
    assert tags["post", f"{v1}/groups/{{group_pk}}/posts/"] == ["posts"]
    assert tags["post", f"{v1}/posts/{{post_pk}}/comments/"] == ["comments"]
    assert tags["post", f"{v1}/comments/{{comment_pk}}/reactions/"] == ["reactions"]
    assert tags["post", f"{v1}/reports/"] == ["reports"]
    assert tags["post", f"{v1}/posts/{{id}}/hide/"] == ["moderation"]
    assert tags["post", f"{v1}/groups/{{group_pk}}/bans/"] == ["moderation"]
    assert tags["get", f"{v1}/search/"] == ["search"]
    assert tags["get", f"{v1}/feed/"] == ["feeds"]
    assert tags["post", f"{v1}/uploads/"] == ["uploads"]
    assert tags["get", f"{v1}/users/"] == ["people"]
    assert tags["get", f"{v1}/users/{{username}}/posts/"] == ["people"]
    assert tags["post", "/api/auth/token/"] == ["auth"]
    assert tags["get", "/api/ops/events/"] == ["ops"]
    assert tags["get", f"{v1}/notifications/"] == ["notifications"]
    assert tags["get", f"{v1}/notifications/unread/"] == ["notifications"]
    assert tags["put", f"{v1}/groups/{{group_pk}}/notification-level/"] == ["notifications"]
    assert tags["put", f"{v1}/posts/{{post_pk}}/notification-level/"] == ["notifications"]
    assert tags["post", f"{v1}/blocks/"] == ["people"]
    description = schema["info"]["description"]
    subjects = ("posts", "comments", "reactions", "moderation", "search", "feeds", "uploads",
                "notifications", "blocks and mutes")  # fmt: skip
    for subject in subjects:
        assert subject in description
