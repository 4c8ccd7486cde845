"""A verification link says what became of it: confirmed on a POST (never on the GET that reads
it), and once refused, refused as used, expired or invalid, with nothing changed. Sign-up goes
through allauth's headless browser API, the link comes from the mail a real SMTP server got."""

import re
import time
from urllib.parse import unquote

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from django.core import signing
from django.test import Client

from tests.mail import body_of

pytestmark = pytest.mark.django_db
AUTH = "/api/_allauth/browser/v1/"
VERIFY = AUTH + "auth/email/verify"
PASSWORD = "a-long-pass-phrase-42"


def sign_up(client: Client, mailbox, username: str) -> str:
    """Signs `username` up and returns the key of the link in the mail they got."""
    answer = client.post(
        AUTH + "auth/signup",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content  # optional verification: signed in
    assert mailbox.deliver() == 1
    [mail] = mailbox.wait_for(1)
    link = re.search(r"http://\S+/account/verify-email/(\S+)", body_of(mail))
    assert link, body_of(mail)
    return unquote(link.group(1))  # the link's path quotes the key's colons


def refusal(answer) -> tuple[int, list[tuple[str, str]]]:
    return answer.status_code, [(e["code"], e["message"]) for e in answer.json()["errors"]]


def addresses() -> list[tuple[str, bool]]:
    return list(EmailAddress.objects.order_by("pk").values_list("email", "verified"))


def test_a_link_is_read_without_being_used_then_confirmed_then_refused_as_used(mailbox):
    client = Client()
    key = sign_up(client, mailbox, "vera")

    read = client.get(VERIFY, HTTP_X_EMAIL_VERIFICATION_KEY=key)
    assert read.status_code == 200, read.content
    assert read.json()["data"]["email"] == "vera@example.com"
    assert addresses() == [("vera@example.com", False)]  # reading it changed nothing

    confirmed = client.post(VERIFY, {"key": key}, content_type="application/json")
    assert confirmed.status_code == 200, confirmed.content
    assert addresses() == [("vera@example.com", True)]

    again = client.post(VERIFY, {"key": key}, content_type="application/json")
    used = [("email_verification_used", "This link was used already: the address is verified.")]
    assert refusal(again) == (400, used)
    assert refusal(Client().get(VERIFY, HTTP_X_EMAIL_VERIFICATION_KEY=key)) == (400, used)
    assert addresses() == [("vera@example.com", True)]


def test_an_expired_link_is_refused_as_expired_and_verifies_nothing(mailbox):
    key = sign_up(Client(), mailbox, "exa")
    pk = signing.loads(key, salt=account_settings.SALT)
    days = account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS

    class Signed(signing.TimestampSigner):
        def timestamp(self):  # the same key, as it was made a day past its lifetime
            return signing.b62_encode(int(time.time()) - (days + 1) * 86400)

    old = Signed(salt=account_settings.SALT).sign_object(pk)
    expired = [("email_verification_expired", "This link has expired: ask for a new one.")]
    assert refusal(Client().get(VERIFY, HTTP_X_EMAIL_VERIFICATION_KEY=old)) == (400, expired)
    post = Client().post(VERIFY, {"key": old}, content_type="application/json")
    assert refusal(post) == (400, expired)
    assert addresses() == [("exa@example.com", False)]


@pytest.mark.parametrize("tamper", ["cut", "changed", "blank"])
def test_a_tampered_link_is_refused_as_invalid_and_verifies_nothing(mailbox, tamper):
    key = sign_up(Client(), mailbox, "tam")
    bad = {"cut": key[:-3], "changed": key[:-1] + ("A" if key[-1] != "A" else "B"), "blank": "x"}
    invalid = [
        (
            "invalid_or_expired_key",
            "This link is not valid: open the whole link from the mail, or ask for a new one.",
        )
    ]
    post = Client().post(VERIFY, {"key": bad[tamper]}, content_type="application/json")
    assert refusal(post) == (400, invalid)
    assert refusal(Client().get(VERIFY, HTTP_X_EMAIL_VERIFICATION_KEY=bad[tamper])) == (
        400,
        invalid,
    )
    assert addresses() == [("tam@example.com", False)]
