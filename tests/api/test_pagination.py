"""Every list is cursor-paginated: 20 by default, ?page_size= up to 100."""

import pytest

from communities.models import Group
from tests.factories import UserFactory
from tests.fixtures import client_for, make_group

pytestmark = pytest.mark.django_db

GROUPS = "/api/communities/v1/groups/"


@pytest.fixture
def many_groups():
    owner = UserFactory()
    for n in range(105):
        make_group(owner=owner, name=f"Group {n}")
    return owner


def walk(client, url: str) -> list[list[int]]:
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([group["id"] for group in body["results"]])
        url = body["next"]
    return pages


def test_default_page_is_20_and_the_cursor_visits_every_group_once(many_groups):
    pages = walk(client_for(many_groups), GROUPS)

    assert [len(page) for page in pages] == [20, 20, 20, 20, 20, 5]
    ids = [group_id for page in pages for group_id in page]
    assert ids == list(Group.objects.order_by("-id").values_list("id", flat=True))


@pytest.mark.parametrize(
    ("page_size", "expected"), [("5", 5), ("100", 100), ("1000", 100), ("0", 20), ("x", 20)]
)
def test_page_size_is_capped(many_groups, page_size, expected):
    response = client_for(many_groups).get(GROUPS, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


def test_group_list_costs_the_same_queries_for_any_page_size(
    many_groups, django_assert_max_num_queries
):
    client = client_for(many_groups)
    client.get(GROUPS)  # warm the token's user lookup path
    for page_size in (1, 100):
        with django_assert_max_num_queries(2):  # the token, the page with its tags
            assert len(client.get(GROUPS, {"page_size": page_size}).json()["results"]) == page_size
