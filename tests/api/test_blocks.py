"""blocks/: blocking and muting people by username, one row per pair, listing and undoing them;
and the profile's `viewer_block`. A refused request changes nothing."""

import pytest

from communities.models import Block
from tests.api.helpers import API, when
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db

BLOCKS = f"{API}/blocks/"
SIGN_IN = {"detail": "Authentication credentials were not provided."}
NO_USER = {"detail": "No user matches the given query."}
NO_BLOCK = {"detail": "You neither block nor mute this user."}


def rows() -> list[tuple]:
    return sorted(Block.objects.values_list("user__username", "target__username", "kind"))


@pytest.fixture
def people(db):
    return {name: UserFactory(username=name) for name in ("ann", "ben", "cal", "dee")}


def test_blocking_someone_makes_one_row_and_answers_it(people):
    client = client_for(people["ann"])

    response = client.post(BLOCKS, {"username": "ben", "kind": "block"}, format="json")

    block = Block.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        {
            "user": {"id": people["ben"].pk, "username": "ben"},
            "kind": "block",
            "created_at": when(block.created_at),
        },
    )
    assert rows() == [("ann", "ben", "block")]


def test_a_block_replaces_a_mute_and_the_other_way_round(people):
    client = client_for(people["ann"])
    client.post(BLOCKS, {"username": "ben", "kind": "mute"}, format="json")
    first = Block.objects.get()

    to_block = client.post(BLOCKS, {"username": "ben", "kind": "block"}, format="json")
    again = client.post(BLOCKS, {"username": "BEN", "kind": "block"}, format="json")
    to_mute = client.post(BLOCKS, {"username": "ben", "kind": "mute"}, format="json")

    assert [to_block.status_code, again.status_code, to_mute.status_code] == [200, 200, 200]
    assert [to_block.json()["kind"], again.json()["kind"], to_mute.json()["kind"]] == [
        "block", "block", "mute",
    ]  # fmt: skip
    assert rows() == [("ann", "ben", "mute")]
    assert Block.objects.get().pk == first.pk  # the same row, its kind changed
    assert to_block.json()["created_at"] == again.json()["created_at"]  # unchanged: same kind


def test_the_list_is_the_viewers_newest_first_in_pages(people):
    ann = client_for(people["ann"])
    for name, kind in (("ben", "block"), ("cal", "mute"), ("dee", "block")):
        ann.post(BLOCKS, {"username": name, "kind": kind}, format="json")
    client_for(people["ben"]).post(BLOCKS, {"username": "ann", "kind": "block"}, format="json")

    first = ann.get(BLOCKS, {"page_size": 2}).json()
    second = ann.get(first["next"]).json()

    assert [(row["user"]["username"], row["kind"]) for row in first["results"]] == [
        ("dee", "block"),
        ("cal", "mute"),
    ]
    assert [(row["user"]["username"], row["kind"]) for row in second["results"]] == [
        ("ben", "block")
    ]
    assert second["next"] is None
    assert client_for(people["cal"]).get(BLOCKS).json() == {
        "next": None,
        "previous": None,
        "results": [],
    }


def test_undoing_one_removes_that_row_only(people):
    ann = client_for(people["ann"])
    for name in ("ben", "cal"):
        ann.post(BLOCKS, {"username": name, "kind": "mute"}, format="json")
    client_for(people["dee"]).post(BLOCKS, {"username": "ben", "kind": "block"}, format="json")

    response = ann.delete(f"{BLOCKS}ben/")

    assert response.status_code == 204
    assert rows() == [("ann", "cal", "mute"), ("dee", "ben", "block")]
    assert (ann.delete(f"{BLOCKS}ben/").status_code, rows()) == (
        404,
        [("ann", "cal", "mute"), ("dee", "ben", "block")],
    )


def test_a_block_of_someone_since_deactivated_is_listed_and_can_be_undone(people):
    ann = client_for(people["ann"])
    ann.post(BLOCKS, {"username": "ben", "kind": "block"}, format="json")
    people["ben"].is_active = False
    people["ben"].save(update_fields=["is_active"])

    assert [row["user"]["username"] for row in ann.get(BLOCKS).json()["results"]] == ["ben"]
    assert ann.delete(f"{BLOCKS}Ben/").status_code == 204
    assert rows() == []


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({"username": "ann", "kind": "block"}, 400,
         {"username": ["You cannot block or mute yourself."]}),
        ({"username": "nobody", "kind": "block"}, 404, NO_USER),
        ({"username": "gone", "kind": "mute"}, 404, NO_USER),
        ({"username": "ben", "kind": "ban"}, 400, {"kind": ['"ban" is not a valid choice.']}),
        ({"username": "ben"}, 400, {"kind": ["This field is required."]}),
        ({"kind": "mute"}, 400, {"username": ["This field is required."]}),
        ({"username": "", "kind": "mute"}, 400, {"username": ["This field may not be blank."]}),
        ({"username": "b" * 151, "kind": "mute"}, 400,
         {"username": ["Ensure this field has no more than 150 characters."]}),
        ({"username": "b\x00", "kind": "mute"}, 400,
         {"username": ["Null characters are not allowed."]}),
    ],
)  # fmt: skip
def test_a_refused_block_changes_nothing(people, body, status, errors):
    UserFactory(username="gone", is_active=False)
    ann = client_for(people["ann"])
    ann.post(BLOCKS, {"username": "cal", "kind": "mute"}, format="json")
    before = rows()

    response = ann.post(BLOCKS, body, format="json")

    assert (response.status_code, response.json()) == (status, errors)
    assert rows() == before


def test_undoing_what_was_never_there_is_a_404(people):
    client_for(people["ben"]).post(BLOCKS, {"username": "cal", "kind": "block"}, format="json")
    ann = client_for(people["ann"])

    for username in ("cal", "nobody", "ann"):  # another's block, nobody, yourself
        response = ann.delete(f"{BLOCKS}{username}/")
        assert (response.status_code, response.json()) == (404, NO_BLOCK)
    assert rows() == [("ben", "cal", "block")]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("post", "", {"username": "ben", "kind": "block"}),
        ("delete", "ben/", None),
    ],
)
def test_signed_out_is_a_401_and_changes_nothing(people, method, path, body):
    client_for(people["ann"]).post(BLOCKS, {"username": "ben", "kind": "mute"}, format="json")

    response = getattr(client_for(None), method)(f"{BLOCKS}{path}", body, format="json")

    assert (response.status_code, response.json()) == (401, SIGN_IN)
    assert rows() == [("ann", "ben", "mute")]


def test_blocks_are_throttled_as_every_write(people, settings):
    from django.conf import settings as django_settings

    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "writes": "2/day"},
    }
    ann = client_for(people["ann"])

    codes = [
        ann.post(BLOCKS, {"username": name, "kind": "mute"}, format="json").status_code
        for name in ("ben", "cal", "dee")
    ]

    assert codes == [201, 201, 429]
    assert rows() == [("ann", "ben", "mute"), ("ann", "cal", "mute")]
    assert ann.get(BLOCKS).status_code == 200  # reads are not writes


def test_a_repeat_with_the_same_idempotency_key_is_replayed(people):
    ann = client_for(people["ann"])
    body = {"username": "ben", "kind": "block"}

    first = ann.post(BLOCKS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = ann.post(BLOCKS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert rows() == [("ann", "ben", "block")]


# --- the profile's viewer_block ---------------------------------------------------------------


def test_a_profile_says_whether_the_viewer_blocks_or_mutes_that_person(people):
    ann = client_for(people["ann"])
    ann.post(BLOCKS, {"username": "ben", "kind": "block"}, format="json")
    ann.post(BLOCKS, {"username": "cal", "kind": "mute"}, format="json")
    client_for(people["dee"]).post(BLOCKS, {"username": "ann", "kind": "block"}, format="json")

    def seen(client, name):
        return client.get(f"{API}/users/{name}/").json()["viewer_block"]

    assert [seen(ann, name) for name in ("ben", "cal", "dee", "ann")] == [
        "block", "mute", None, None,
    ]  # fmt: skip
    # the blocked person is not told: their view of the blocker says nothing
    assert seen(client_for(people["ann"]), "dee") is None
    assert seen(client_for(people["ben"]), "ann") is None
    assert seen(client_for(None), "ben") is None
