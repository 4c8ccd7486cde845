"""Slugs never reveal a secret group: unique among public and private groups only."""

import io

import pytest
from django.core.management import call_command

from communities.models import Group, Visibility
from communities.services.groups import group_archive, group_update
from tests.api.helpers import db_state, groups_url
from tests.factories import UserFactory
from tests.fixtures import client_for, make_group

pytestmark = pytest.mark.django_db

SLUG_TAKEN = {"slug": ["A group with this slug already exists."]}


@pytest.fixture
def secret_founders():
    """A secret group holding the slug `founders`; `free` is a slug no group holds."""
    return make_group(owner=UserFactory(), visibility=Visibility.SECRET, name="Founders")


def _answer(response, slug: str) -> tuple[int, dict]:
    """Status and body, with what differs between any two new groups (id, times) and the slug
    probed replaced by a marker, so that two probes compare equal when they reveal the same."""
    body = {k: v for k, v in response.json().items() if k not in ("id", "created_at")}
    body["membership"] = {**body["membership"], "joined_at": "<time>"}
    return response.status_code, {
        k: v.replace(slug, "<slug>") if isinstance(v, str) else v for k, v in body.items()
    }


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def test_creating_with_a_slug_a_secret_group_holds_answers_as_with_a_free_one(
    secret_founders, visibility
):
    client = client_for(UserFactory())

    held = client.post(groups_url(), {"name": "x", "slug": "founders", "visibility": visibility})
    free = client.post(groups_url(), {"name": "x", "slug": "free", "visibility": visibility})

    assert held.status_code == 201
    assert _answer(held, "founders") == _answer(free, "free")
    assert held.json()["slug"] == "founders"


def test_a_slug_derived_from_a_secret_groups_name_is_not_moved_aside(secret_founders):
    client = client_for(UserFactory())

    held = client.post(groups_url(), {"name": "Founders"})
    free = client.post(groups_url(), {"name": "Free"})

    assert (held.status_code, held.json()["slug"]) == (201, "founders")
    assert (free.status_code, free.json()["slug"]) == (201, "free")
    assert sorted(Group.objects.filter(slug="founders").values_list("visibility", flat=True)) == [
        Visibility.PUBLIC,
        Visibility.SECRET,
    ]


def test_renaming_to_a_slug_a_secret_group_holds_answers_as_with_a_free_one(secret_founders):
    owner = UserFactory()
    mine = make_group(owner=owner, name="Mine")
    client = client_for(owner)

    held = client.patch(f"{groups_url()}{mine.pk}/", {"slug": "founders"}, format="json")
    free = client.patch(f"{groups_url()}{mine.pk}/", {"slug": "free"}, format="json")

    assert (held.status_code, free.status_code) == (200, 200)
    assert _answer(held, "founders") == _answer(free, "free")


def test_secret_groups_may_share_a_slug_with_each_other(secret_founders):
    response = client_for(UserFactory()).post(
        groups_url(), {"name": "Founders", "visibility": Visibility.SECRET}
    )

    assert (response.status_code, response.json()["slug"]) == (201, "founders")
    assert Group.objects.filter(slug="founders", visibility=Visibility.SECRET).count() == 2


def test_a_visible_groups_slug_is_still_refused():
    make_group(owner=UserFactory(), visibility=Visibility.PRIVATE, name="Book Club")
    before = db_state()

    response = client_for(UserFactory()).post(
        groups_url(), {"name": "x", "slug": "book-club", "visibility": Visibility.SECRET}
    )

    # A secret group takes no slug from anyone, and none from it: the private one is untouched.
    assert (response.status_code, response.json()["slug"]) == (201, "book-club")
    refused = client_for(UserFactory()).post(groups_url(), {"name": "x", "slug": "book-club"})
    assert (refused.status_code, refused.json()) == (400, SLUG_TAKEN)
    assert Group.objects.count() == len(before["groups"]) + 1


def test_revealing_a_secret_group_needs_a_free_slug_and_changes_nothing_without_one():
    owner = UserFactory()
    make_group(owner=UserFactory(), name="Founders")  # public, holds `founders`
    secret = make_group(owner=owner, visibility=Visibility.SECRET, name="Founders")
    before = db_state()

    response = client_for(owner).patch(
        f"{groups_url()}{secret.pk}/", {"visibility": Visibility.PUBLIC}, format="json"
    )

    assert (response.status_code, response.json()) == (400, SLUG_TAKEN)
    assert db_state() == before
    renamed = client_for(owner).patch(
        f"{groups_url()}{secret.pk}/",
        {"visibility": Visibility.PUBLIC, "slug": "founders-circle"},
        format="json",
    )
    assert renamed.status_code == 200
    assert (renamed.json()["visibility"], renamed.json()["slug"]) == ("public", "founders-circle")


def test_a_group_made_secret_frees_its_slug():
    owner = UserFactory()
    group = make_group(owner=owner, name="Lounge")
    group_update(actor=owner, group=group, visibility=Visibility.SECRET)

    response = client_for(UserFactory()).post(groups_url(), {"name": "Lounge"})

    assert (response.status_code, response.json()["slug"]) == (201, "lounge")


def test_an_archived_groups_slug_is_free_again():
    owner = UserFactory()
    group_archive(actor=owner, group=make_group(owner=owner, name="Lounge"))

    response = client_for(UserFactory()).post(groups_url(), {"name": "x", "slug": "lounge"})

    assert (response.status_code, response.json()["slug"]) == (201, "lounge")


def test_seed_demo_finds_its_secret_group_beside_a_public_one_with_its_slug():
    call_command("seed_demo", stdout=io.StringIO())
    founders = Group.objects.get(slug="founders")
    public = make_group(owner=UserFactory(), name="Founders")  # a user's: `founders` too

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert out.getvalue() == "Demo data already present; nothing changed.\n"
    assert sorted(Group.objects.filter(slug="founders").values_list("pk", "visibility")) == [
        (founders.pk, Visibility.SECRET),
        (public.pk, Visibility.PUBLIC),
    ]
