"""The links in the mails: a verification or reset link works once, for a while, as sent. A
used, expired or tampered one is refused, by the hub's read of it (GET) and by its use (POST),
and changes nothing."""

import time
from urllib.parse import unquote

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.core import signing

from divan.models import User
from tests.accounts.helpers import HEADLESS, PASSWORD, Browser, link_key, make_user

pytestmark = pytest.mark.django_db

VERIFY = f"{HEADLESS}/auth/email/verify"
RESET = f"{HEADLESS}/auth/password/reset"
NEW_PASSWORD = "another-long-pass-phrase"


def state() -> tuple:
    """What a followed link could change: addresses and their standing, passwords."""
    return (
        list(
            EmailAddress.objects.order_by("pk").values_list("user", "email", "verified", "primary")
        ),
        list(User.objects.order_by("pk").values_list("pk", "password")),
    )


def verification_mail(mailbox, browser: Browser) -> str:
    body = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    response = browser.post("/api/auth/session/register/", body)
    assert response.status_code == 201, response.content
    mailbox.deliver()
    [mail] = mailbox.wait_for(1)
    return unquote(link_key(mail, "verify-email"))


class SignedDaysAgo(signing.TimestampSigner):
    def __init__(self, days: int, **kwargs):
        super().__init__(**kwargs)
        self.days = days

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.days * 86400)


def verification_key_mailed_days_ago(address: EmailAddress, days: int) -> str:
    """The key allauth would have put in a link mailed `days` ago (signing.dumps, dated)."""
    signer = SignedDaysAgo(days, salt=account_settings.SALT)
    return signer.sign_object(address.pk, serializer=signing.JSONSerializer)


def refused_verification(browser: Browser, key: str) -> list:
    read = browser.get(VERIFY, **{"X-Email-Verification-Key": key})
    used = browser.post(VERIFY, {"key": key})
    return [(r.status_code, r.json()["errors"]) for r in (read, used)]


# a refused key says what became of it (accounts/verification.py)
USED_KEY = [
    {
        "message": "This link was used already: the address is verified.",
        "code": "email_verification_used",
        "param": "key",
    }
]


def test_a_verification_link_works_once(mailbox):
    browser = Browser()
    key = verification_mail(mailbox, browser)
    read = browser.get(VERIFY, **{"X-Email-Verification-Key": key})
    assert read.status_code == 200
    assert read.json()["data"]["email"] == "zoe@example.com"

    assert browser.post(VERIFY, {"key": key}).status_code == 200
    before = state()

    assert refused_verification(browser, key) == [(400, USED_KEY)] * 2
    assert state() == before
    assert before[0] == [(User.objects.get().pk, "zoe@example.com", True, True)]


def test_an_expired_or_tampered_verification_link_is_refused_and_verifies_nothing(mailbox):
    browser = Browser()
    key = verification_mail(mailbox, browser)
    address = EmailAddress.objects.get()
    lifetime = account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    expired = verification_key_mailed_days_ago(address, lifetime + 1)
    still_good = verification_key_mailed_days_ago(address, lifetime - 1)
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    other_address = key.replace(key.split(":")[0], signing.b62_encode(address.pk + 1), 1)
    before = state()

    for bad in (expired, tampered, other_address, "", "not-a-key"):
        assert [status for status, _ in refused_verification(browser, bad)] == [400, 400], bad
        assert state() == before

    assert browser.post(VERIFY, {"key": still_good}).status_code == 200
    address.refresh_from_db()
    assert address.verified is True


def reset_mail(mailbox, user) -> str:
    response = Browser().post(f"{HEADLESS}/auth/password/request", {"email": user.email})
    assert response.status_code == 200, response.content
    mailbox.deliver()
    [mail] = mailbox.wait_for(1)
    return link_key(mail, "password/reset")


def reset(key: str, password: str = NEW_PASSWORD):
    return Browser().post(RESET, {"key": key, "password": password})


INVALID_RESET = [
    {
        "message": "The password reset token was invalid.",
        "code": "invalid_password_reset",
        "param": "key",
    }
]


def refused_reset(key: str, password: str) -> list:
    read = Browser().get(RESET, **{"X-Password-Reset-Key": key})
    used = reset(key, password)
    return [(r.status_code, r.json()["errors"]) for r in (read, used)]


def test_a_reset_link_works_once(mailbox):
    user = make_user("zoe")
    key = reset_mail(mailbox, user)
    read = Browser().get(RESET, **{"X-Password-Reset-Key": key})
    assert read.status_code == 200
    assert read.json()["data"]["user"]["username"] == "zoe"

    done = reset(key)

    assert done.status_code == 401  # reset; signing in is the next step
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    before = state()
    assert refused_reset(key, "a-third-long-pass-phrase") == [(400, INVALID_RESET)] * 2
    assert state() == before


def test_an_expired_or_tampered_reset_link_is_refused_and_changes_no_password(mailbox, settings):
    user = make_user("zoe")
    key = reset_mail(mailbox, user)
    uid = user_pk_to_url_str(user)
    generator = default_token_generator
    now = generator._num_seconds(generator._now())

    def made(user, timestamp):  # the token as it would have been made at `timestamp`
        return generator._make_token_with_timestamp(user, timestamp, generator.secret)

    expired = f"{uid}-{made(user, now - settings.PASSWORD_RESET_TIMEOUT - 60)}"
    still_good = f"{uid}-{made(user, now - settings.PASSWORD_RESET_TIMEOUT + 60)}"
    tampered = key[:-1] + ("0" if key[-1] != "0" else "1")
    someone_else = f"{user_pk_to_url_str(make_user('yan'))}-{key.split('-', 1)[1]}"
    before = state()

    for bad in (expired, tampered, someone_else, "1-", "nonsense"):
        assert refused_reset(bad, NEW_PASSWORD) == [(400, INVALID_RESET)] * 2, bad
        assert state() == before

    assert reset(still_good).status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
