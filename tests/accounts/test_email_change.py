"""Changing the address, over allauth's headless API: it asks for the password again, and the
new address takes over only once its link is followed (the old one is told). An address another
account verified answers as a free one, and is never this account's."""

from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress

from divan.models import User
from tests.accounts.helpers import (
    HEADLESS,
    PASSWORD,
    SESSION,
    Browser,
    link_key,
    make_user,
    with_two_factor,
)
from tests.mail import body_of

pytestmark = pytest.mark.django_db

EMAIL = f"{HEADLESS}/account/email"


def addresses() -> list:
    return list(
        EmailAddress.objects.order_by("user", "email").values_list(
            "user__username", "email", "verified", "primary"
        )
    )


def signed_in(username: str) -> Browser:
    """Signed in by Divan's own session endpoint, as the hub signs in today."""
    browser = Browser()
    response = browser.post(SESSION, {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return browser


def test_changing_the_address_needs_the_password_and_a_new_verification(mailbox):
    user = make_user("zoe")
    browser = signed_in("zoe")
    before = addresses()

    unconfirmed = browser.post(EMAIL, {"email": "zoe.new@example.com"})

    assert unconfirmed.status_code == 401
    assert unconfirmed.json()["data"]["flows"] == [{"id": "reauthenticate"}]
    wrong = browser.post(f"{HEADLESS}/auth/reauthenticate", {"password": "not-my-password"})
    assert wrong.status_code == 400
    assert browser.post(EMAIL, {"email": "zoe.new@example.com"}).status_code == 401
    assert addresses() == before
    assert mailbox.deliver() == 0

    assert (
        browser.post(f"{HEADLESS}/auth/reauthenticate", {"password": PASSWORD}).status_code == 200
    )
    changing = browser.post(EMAIL, {"email": "Zoe.New@example.com"})

    assert changing.status_code == 200, changing.content
    assert sorted((a["email"], a["verified"], a["primary"]) for a in changing.json()["data"]) == [
        ("zoe.new@example.com", False, False),
        ("zoe@example.com", True, True),
    ]
    # the old address stays the account's until the new one is verified
    me = browser.get("/api/auth/me/").json()
    assert (me["email"], me["email_verified"]) == ("zoe@example.com", True)
    assert mailbox.deliver() == 1
    [mail] = mailbox.wait_for(1)
    assert (mail["To"], mail["Subject"]) == (
        "zoe.new@example.com",
        "[Divan] Please Confirm Your Email Address",
    )

    followed = Browser().post(
        f"{HEADLESS}/auth/email/verify", {"key": unquote(link_key(mail, "verify-email"))}
    )

    assert followed.status_code == 401  # verified, from a browser signed in to nothing
    assert addresses() == [("zoe", "zoe.new@example.com", True, True)]
    assert User.objects.get(pk=user.pk).email == "zoe.new@example.com"
    me = browser.get("/api/auth/me/").json()
    assert (me["email"], me["email_verified"]) == ("zoe.new@example.com", True)
    mailbox.deliver()
    [_, notice] = mailbox.wait_for(2)
    assert (notice["To"], notice["Subject"]) == ("zoe@example.com", "[Divan] Email Changed")
    assert "zoe.new@example.com" in body_of(notice)


def test_an_address_another_account_verified_answers_as_a_free_one_and_stays_theirs(mailbox):
    make_user("olga", email="olga@example.com")
    make_user("mallory")
    make_user("nadia")
    answers = {}
    for username, email in (("mallory", "olga@example.com"), ("nadia", "nadia.new@example.com")):
        browser = signed_in(username)
        browser.post(f"{HEADLESS}/auth/reauthenticate", {"password": PASSWORD})
        response = browser.post(EMAIL, {"email": email})
        answers[username] = (
            response.status_code,
            sorted((a["verified"], a["primary"]) for a in response.json()["data"]),
        )

    assert answers["mallory"] == answers["nadia"] == (200, [(False, False), (True, True)])
    mailbox.deliver()
    assert sorted((m["To"], m["Subject"]) for m in mailbox.wait_for(2)) == [
        ("nadia.new@example.com", "[Divan] Please Confirm Your Email Address"),
        ("olga@example.com", "[Divan] Account Already Exists"),
    ]
    assert EmailAddress.objects.get(email="olga@example.com", verified=True).user.username == (
        "olga"
    )
    assert EmailAddress.objects.get(
        user__username="mallory", email="olga@example.com"
    ).verified is (False)


def test_with_two_factor_on_the_address_does_not_change(mailbox):
    """allauth refuses a new address beside two-factor sign-in (an unverified address there
    could keep its real owner out: django-allauth #3914): turn it off, change, turn it on."""
    user = make_user("zoe")
    _, recovery = with_two_factor(user)
    browser = Browser()
    assert browser.sign_in("zoe").status_code == 401  # asks for the code
    done = browser.post(f"{HEADLESS}/auth/2fa/authenticate", {"code": recovery[0]})
    assert done.status_code == 200
    assert (
        browser.post(f"{HEADLESS}/auth/reauthenticate", {"password": PASSWORD}).status_code == 200
    )
    before = addresses()

    refused = browser.post(EMAIL, {"email": "zoe.new@example.com"})

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "add_email_blocked"
    assert addresses() == before
    assert mailbox.deliver() == 0
