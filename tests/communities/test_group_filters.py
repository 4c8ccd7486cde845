"""The group list's filters: `?q=` finds text in a group's name or description, `?mine=true`
keeps the viewer's own groups; neither shows anything the unfiltered list would not."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communities.models import Group, Visibility
from communities.services.groups import group_archive, group_create
from communities.services.membership import group_join
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for

pytestmark = pytest.mark.django_db
GROUPS = "/api/communities/v1/groups/"


@pytest.fixture
def town():
    """Alice owns a public, another public, a private and a secret group, and an archived one;
    Bob is a member of the secret group and of one public group; Carol belongs nowhere."""
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))

    def group(name, description, visibility=Visibility.PUBLIC):
        return group_create(
            creator=alice, name=name, description=description, visibility=visibility
        )

    town = SimpleNamespace(alice=alice, bob=bob, carol=carol)
    town.owls = group("Night Owls", "Birdwatching after dark")
    town.gardeners = group("Gardeners", "Tomatoes, beans and the odd OWL")
    town.books = group("Book Club", "Reading in the evening", Visibility.PRIVATE)
    town.secret = group("Owl Parliament", "Members only", Visibility.SECRET)
    archived = group("Owl Archive", "Gone")
    group_archive(actor=alice, group=archived)
    group_join(user=bob, group=town.owls)
    add_member(town.secret, bob)
    return town


def listed(client, **params) -> list[int]:
    response = client.get(GROUPS, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return [row["id"] for row in response.json()["results"]]


def test_q_finds_a_name_in_any_case_with_whitespace_stripped(town):
    anonymous = APIClient()

    assert listed(anonymous, q="NIGHT owls") == [town.owls.pk]
    assert listed(anonymous, q="  owl\t") == [town.gardeners.pk, town.owls.pk]
    assert listed(anonymous, q="ghT oW") == [town.owls.pk]
    assert listed(anonymous, q="nothing like it") == []


def test_q_finds_text_in_the_description(town):
    anonymous = APIClient()

    assert listed(anonymous, q="tomatoes") == [town.gardeners.pk]
    assert listed(anonymous, q="after DARK") == [town.owls.pk]
    # a private group's description is on the list for everyone, so it is found by everyone
    assert listed(anonymous, q="reading") == [town.books.pk]


def test_a_blank_q_is_no_filter(town):
    everything = [town.books.pk, town.gardeners.pk, town.owls.pk]

    assert listed(APIClient(), q="") == everything
    assert listed(APIClient(), q="   ") == everything


def test_q_matches_its_text_literally_not_as_a_pattern(town):
    assert listed(APIClient(), q="%") == []
    assert listed(APIClient(), q="_") == []


def test_a_secret_group_is_found_by_its_members_only(town):
    for client in (APIClient(), client_for(town.carol)):
        assert listed(client, q="parliament") == []
        assert listed(client, q="members only") == []
        assert listed(client, q="owl") == [town.gardeners.pk, town.owls.pk]

    for member in (town.bob, town.alice):
        assert listed(client_for(member), q="PARLIAMENT") == [town.secret.pk]
        assert listed(client_for(member), q="members only") == [town.secret.pk]
        assert listed(client_for(member), q="owl") == [
            town.secret.pk, town.gardeners.pk, town.owls.pk
        ]  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "alice", "bob", "carol"])
@pytest.mark.parametrize("text", ["owl", "o", "e", "club", "members"])
def test_q_shows_exactly_the_unfiltered_lists_rows_that_hold_the_text(town, who, text):
    client = APIClient() if who == "anonymous" else client_for(getattr(town, who))
    rows = client.get(GROUPS, {"page_size": 100}).json()["results"]

    expected = [row["id"] for row in rows
                if text in row["name"].lower() or text in row["description"].lower()]  # fmt: skip
    assert listed(client, q=text) == expected


def test_mine_keeps_exactly_the_viewers_groups(town):
    assert listed(client_for(town.bob), mine="true") == [town.secret.pk, town.owls.pk]
    assert listed(client_for(town.alice), mine="true") == [
        town.secret.pk, town.books.pk, town.gardeners.pk, town.owls.pk
    ]  # fmt: skip
    assert listed(client_for(town.carol), mine="true") == []
    assert listed(client_for(town.bob), mine="true", q="owl") == [town.secret.pk, town.owls.pk]
    assert listed(client_for(town.bob), mine="false") == [
        town.secret.pk, town.books.pk, town.gardeners.pk, town.owls.pk
    ]  # fmt: skip


def test_mine_for_an_anonymous_viewer_is_an_empty_list(town):
    response = APIClient().get(GROUPS, {"mine": "true"})

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}
    assert listed(APIClient(), mine="false") == [town.books.pk, town.gardeners.pk, town.owls.pk]


@pytest.mark.parametrize("value", ["yes", "1", "True", "TRUE", "", "true "])
def test_mine_is_true_or_false_and_anything_else_a_400(town, value):
    response = client_for(town.bob).get(GROUPS, {"mine": value})

    assert response.status_code == 400
    assert response.json() == {"mine": ['Must be "true" or "false".']}


def test_q_longer_than_100_characters_is_a_400(town):
    too_long = APIClient().get(GROUPS, {"q": "o" * 101})

    assert too_long.status_code == 400
    assert too_long.json() == {"q": ["Ensure this field has no more than 100 characters."]}
    assert listed(APIClient(), q="o" * 100) == []
    assert listed(APIClient(), q=f"  {'o' * 100}  ") == []  # counted after stripping


def test_q_with_a_nul_character_is_a_400_not_a_server_error(town):
    response = APIClient().get(GROUPS, {"q": "owl\x00"})

    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


def test_the_schema_declares_q_and_mine_on_the_group_list():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    parameters = schema.json()["paths"][GROUPS]["get"]["parameters"]

    by_name = {parameter["name"]: parameter for parameter in parameters}
    assert by_name["q"]["in"] == "query" and by_name["q"]["schema"] == {"type": "string"}
    assert by_name["mine"]["in"] == "query" and by_name["mine"]["schema"] == {"type": "boolean"}


def test_the_filtered_list_costs_the_same_queries_for_any_number_of_groups():
    owner, member = UserFactory(), UserFactory()
    client = client_for(member)

    def queries_for_a_list_of(total: int) -> int:
        while Group.objects.count() < total:
            n = Group.objects.count()
            visibility = (Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET)[n % 3]
            group = group_create(
                creator=owner, name=f"Owl club {n}", visibility=visibility, tags=["owls"]
            )
            add_member(group, member)
        with CaptureQueriesContext(connection) as queries:
            ids = listed(client, q="owl club", mine="true")
        assert len(ids) == total
        return len(queries)

    client.get(GROUPS)  # warm up what a first request loads once
    # the page; the token is read from Redis since the first request
    assert queries_for_a_list_of(2) == queries_for_a_list_of(30) == 1
