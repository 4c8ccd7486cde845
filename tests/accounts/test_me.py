"""`me/` and the session say whether your address is verified and whether you sign in with a
second factor, read in one query beside the sign-in's own (the hub reads them on every page)."""

import pytest
from allauth.account.models import EmailAddress

from tests.accounts.helpers import PASSWORD, SESSION, Browser, make_user, with_two_factor
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


def flags(body: dict) -> tuple:
    return body["email_verified"], body["two_factor"]


def test_me_says_whether_the_address_is_verified_and_two_factor_is_on(
    django_assert_num_queries,
):
    never_recorded = UserFactory(username="old")  # an account from before allauth
    unverified = make_user("una", verified=False)
    verified = make_user("vera")
    guarded = make_user("gus")
    with_two_factor(guarded)
    # an address of the same account, verified, that is not its current one counts for nothing
    EmailAddress.objects.create(user=unverified, email="una.other@example.com", verified=True)

    seen = {}
    for user in (never_recorded, unverified, verified, guarded):
        client = client_for(user)
        with django_assert_num_queries(2):  # the token and its user; the flags
            seen[user.username] = flags(client.get("/api/auth/me/").json())

    assert seen == {
        "old": (False, False),
        "una": (False, False),
        "vera": (True, False),
        "gus": (True, True),
    }


def test_the_session_says_it_too(django_assert_num_queries):
    make_user("vera")
    browser = Browser()
    signed_in = browser.post(SESSION, {"username": "vera", "password": PASSWORD})
    assert flags(signed_in.json()["user"]) == (True, False)

    with django_assert_num_queries(3):  # the session, its user, the flags
        read = browser.get(SESSION)

    assert flags(read.json()["user"]) == (True, False)
    with django_assert_num_queries(0):  # no session: nobody is signed in
        assert Browser().get(SESSION).json()["user"] is None
