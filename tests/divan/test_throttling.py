"""Throttle scopes live in Redis: anonymous, per user, and a tighter one for writes."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from communities.models import Group
from divan.throttling import parse_rate
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db

GROUPS = "/api/communities/v1/groups/"


@pytest.fixture
def rates(settings):
    def set_rates(num_proxies=0, **rates):  # no proxy unless a test says so, whatever the env says
        current = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **django_settings.REST_FRAMEWORK,
            "NUM_PROXIES": num_proxies,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }

    return set_rates


def test_anonymous_reads_are_throttled_per_address(rates):
    rates(anon="3/day")
    client = APIClient()

    codes = [client.get(GROUPS).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    assert client.get(GROUPS).json()["detail"].startswith("Request was throttled.")


def test_a_forged_forwarded_for_does_not_make_a_new_caller(rates):
    rates(anon="2/day")
    client = APIClient()

    codes = [
        client.get(GROUPS, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]

    assert codes == [200, 200, 429]


def test_behind_the_hub_the_address_it_appended_is_the_caller(rates):
    """DJANGO_NUM_PROXIES=1: the last X-Forwarded-For entry is the peer the hub saw; what the
    client wrote before it neither frees it from its bucket nor puts it in another's."""
    rates(anon="2/day", num_proxies=1)  # a day's window: the burst never straddles two
    hub = APIClient()  # every request comes from the hub's own address

    client = [
        hub.get(GROUPS, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7").status_code
        for n in range(3)
    ]
    other = hub.get(GROUPS, HTTP_X_FORWARDED_FOR="198.51.100.7, 198.51.100.8").status_code

    assert client == [200, 200, 429]
    assert other == 200


def test_an_ipv6_caller_is_one_caller_across_its_64(rates):
    rates(anon="2/day")
    codes = [
        APIClient(REMOTE_ADDR=f"2001:db8:1:2::{n:x}").get(GROUPS).status_code for n in range(3)
    ]
    elsewhere = APIClient(REMOTE_ADDR="2001:db8:1:3::1").get(GROUPS).status_code

    assert codes == [200, 200, 429]
    assert elsewhere == 200


def test_writes_have_a_tighter_scope_than_reads(rates):
    rates(user="100/day", writes="2/day")
    client = client_for(UserFactory())

    writes = [client.post(GROUPS, {"name": f"G{n}"}, format="json").status_code for n in range(3)]

    assert writes == [201, 201, 429]
    assert Group.objects.count() == 2
    assert client.get(GROUPS).status_code == 200  # reads still pass


def test_users_are_throttled_separately(rates):
    rates(user="2/day")
    first, second = client_for(UserFactory()), client_for(UserFactory())

    assert [first.get(GROUPS).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(GROUPS).status_code == 200


def test_a_throttled_caller_is_told_when_the_window_ends(rates):
    rates(user="1/day")
    client = client_for(UserFactory())

    first, second = client.get(GROUPS), client.get(GROUPS)

    assert (first.status_code, second.status_code) == (200, 429)
    wait = int(second["Retry-After"])
    assert 1 <= wait <= 86400
    unit = "second" if wait == 1 else "seconds"  # in the window's last second, DRF says "1 second"
    assert second.json()["detail"] == f"Request was throttled. Expected available in {wait} {unit}."


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("120/min", (120, 60)),
        ("5/hour", (5, 3600)),
        ("100/day", (100, 86400)),
        ("10/s", (10, 1)),
        ("25/5min", (25, 300)),
        ("5/30min", (5, 1800)),
        ("3 / 2 hours", (3, 7200)),
        ("", None),
    ],
)
def test_a_rate_is_a_count_per_a_period_of_one_unit_or_several(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["5", "five/min", "5/fortnight", "0/min", "5/0min", "5/min/ip"])
def test_a_rate_that_means_nothing_is_refused_at_once(rate):
    with pytest.raises(ImproperlyConfigured, match="count/period"):
        parse_rate(rate)


def test_the_api_scopes_take_periods_of_several_units(rates):
    rates(anon="2/5min")
    client = APIClient()

    codes = [client.get(GROUPS).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert 1 <= int(client.get(GROUPS)["Retry-After"]) <= 300
