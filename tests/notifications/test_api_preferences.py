"""notifications/preferences/: each type's delivery (off, hub, mail) where it differs from the
type's default, and the digest; a refused change changes nothing."""

import pytest

from notifications.models import MailSettings, TypeSetting
from notifications.types import TYPES, Delivery
from tests.factories import UserFactory
from tests.fixtures import client_for
from tests.notifications.helpers import PREFERENCES

pytestmark = pytest.mark.django_db


def defaults() -> list[dict]:
    return [
        {
            "type": str(kind),
            "label": spec.label,
            "delivery": str(spec.default),
            "default": str(spec.default),
        }
        for kind, spec in TYPES.items()
    ]


def with_delivery(**deliveries) -> list[dict]:
    return [{**row, "delivery": deliveries.get(row["type"], row["delivery"])} for row in defaults()]


def stored() -> dict:
    return {
        "types": sorted(TypeSetting.objects.values_list("user__username", "type", "delivery")),
        "mail": sorted(MailSettings.objects.values_list("user__username", "digest")),
    }


@pytest.fixture
def person(db):
    return UserFactory(username="pat")


def test_everyone_starts_with_the_types_defaults_and_the_digest(person):
    response = client_for(person).get(PREFERENCES)

    assert (response.status_code, response.json()) == (200, {"types": defaults(), "digest": True})
    assert stored() == {"types": [], "mail": []}


def test_a_change_is_stored_where_it_differs_from_the_default(person):
    client = client_for(person)

    response = client.patch(
        PREFERENCES,
        {"types": {"mention": "off", "reaction": "mail", "post_reply": "mail"}, "digest": False},
        format="json",
    )

    expected = {"types": with_delivery(mention="off", reaction="mail"), "digest": False}
    assert (response.status_code, response.json()) == (200, expected)
    assert client.get(PREFERENCES).json() == expected
    assert stored() == {
        "types": [("pat", "mention", "off"), ("pat", "reaction", "mail")],  # post_reply: default
        "mail": [("pat", False)],
    }


def test_going_back_to_the_default_deletes_the_row(person):
    client = client_for(person)
    client.patch(PREFERENCES, {"types": {"mention": "off", "reaction": "mail"}}, format="json")

    response = client.patch(PREFERENCES, {"types": {"mention": "mail"}}, format="json")

    assert response.json() == {"types": with_delivery(reaction="mail"), "digest": True}
    assert stored() == {"types": [("pat", "reaction", "mail")], "mail": []}


def test_either_key_may_be_left_out(person):
    client = client_for(person)
    client.patch(PREFERENCES, {"types": {"group_post": "off"}}, format="json")

    assert client.patch(PREFERENCES, {"digest": False}, format="json").json() == {
        "types": with_delivery(group_post="off"),
        "digest": False,
    }
    assert client.patch(PREFERENCES, {}, format="json").json() == {
        "types": with_delivery(group_post="off"),
        "digest": False,
    }
    assert client.patch(PREFERENCES, {"digest": True}, format="json").json()["digest"] is True
    assert stored() == {"types": [("pat", "group_post", "off")], "mail": [("pat", True)]}


def test_each_persons_preferences_are_their_own(person):
    other = UserFactory(username="quinn")
    client_for(other).patch(PREFERENCES, {"types": {"mention": "off"}}, format="json")

    assert client_for(person).get(PREFERENCES).json() == {"types": defaults(), "digest": True}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"types": {"nope": "off", "mention": "off"}},
         {"types": {"nope": ['"nope" is not a notification type.']}}),
        ({"types": {"mention": "loud"}},
         {"types": {"mention": ['"loud" is not a valid choice.']}}),
        ({"types": {"mention": None}}, {"types": {"mention": ["This field may not be null."]}}),
        ({"types": ["mention"]},
         {"types": ['Expected a dictionary of items but got type "list".']}),
        ({"digest": "maybe"}, {"digest": ["Must be a valid boolean."]}),
        ({"digest": None}, {"digest": ["This field may not be null."]}),
    ],
)  # fmt: skip
def test_a_bad_change_is_a_400_and_changes_nothing(person, body, errors):
    client = client_for(person)
    client.patch(PREFERENCES, {"types": {"reaction": "mail"}, "digest": False}, format="json")
    before = stored()

    body = {**body, "digest": body.get("digest", True)}  # a digest change beside it, refused too
    response = client.patch(PREFERENCES, body, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert stored() == before


def test_every_delivery_is_one_of_three(person):
    assert [choice.value for choice in Delivery] == ["off", "hub", "mail"]
    for delivery in Delivery:
        body = {"types": {"thread_comment": str(delivery)}}
        response = client_for(person).patch(PREFERENCES, body, format="json")
        assert response.json()["types"][2] == {
            "type": "thread_comment",
            "label": "Comments in threads you watch",
            "delivery": str(delivery),
            "default": "hub",
        }
