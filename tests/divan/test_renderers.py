"""The API's JSON renderer (orjson) writes what DRF's JSONRenderer writes."""

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from divan.renderers import JSONRenderer
from tests.factories import UserFactory
from tests.fixtures import client_for

UTC = datetime.UTC


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1, "b": [1, 2.5, None, True, False], "c": "héllo ✓ \u2028 x\u2029", "d": {}},
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        datetime.datetime(2026, 7, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        datetime.datetime(2026, 1, 2, 3, 4, 5),
        datetime.date(2026, 1, 2),
        decimal.Decimal("1.50"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        {"detail": gettext_lazy("Invalid token.")},
        {1: "a key that is not a string"},
        2**70,
        '\x00\x1f"\\/<>&',
        None,
    ],
)
def test_the_same_bytes_as_drf(data):
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)


def test_an_indented_answer_is_drfs():
    data = {"a": [1, 2]}
    assert JSONRenderer().render(data, "application/json; indent=4") == DrfJSONRenderer().render(
        data, "application/json; indent=4"
    )


@pytest.mark.django_db
def test_the_api_answers_through_it():
    response = client_for(UserFactory()).get("/api/auth/me/")
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == DrfJSONRenderer().render(response.data)
