"""Two-factor sign-in: set up through allauth's headless API (a TOTP secret shown once, then
recovery codes shown once), stored encrypted, and asked for by every way in once it is on:
allauth's headless sign-in, Divan's API tokens and sessions, and refused by the admin's and the
browsable API's password forms, which cannot ask for it. Codes are checked by allauth.mfa: a
TOTP code works once, a recovery code is used up, guessing is cut off."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.forms import SECOND_FACTOR_ELSEWHERE
from accounts.two_factor import CODE_REQUIRED
from tests.accounts.helpers import (
    HEADLESS,
    PASSWORD,
    SESSION,
    Browser,
    make_user,
    pending_flow,
    token_works,
    totp_code,
    with_two_factor,
)

pytestmark = pytest.mark.django_db

TOTP = f"{HEADLESS}/account/authenticators/totp"
RECOVERY_CODES = f"{HEADLESS}/account/authenticators/recovery-codes"
WRONG_CREDENTIALS = {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_two_factor_is_set_up_through_the_headless_api_and_stored_encrypted():
    user = make_user("zoe")
    browser = Browser()
    assert browser.sign_in("zoe").status_code == 200

    offered = browser.get(TOTP)

    assert offered.status_code == 404  # none yet: here is a secret to set one up with
    secret = offered.json()["meta"]["secret"]
    assert offered.json()["meta"]["totp_url"] == (
        f"otpauth://totp/zoe%40example.com?secret={secret}&issuer=Divan"
    )
    # turning it on asks for the password again, whenever one signed in
    unconfirmed = browser.post(TOTP, {"code": totp_code(secret)})
    assert unconfirmed.status_code == 401 and pending_flow(unconfirmed) is None
    assert unconfirmed.json()["data"]["flows"] == [{"id": "reauthenticate"}]
    assert (
        browser.post(f"{HEADLESS}/auth/reauthenticate", {"password": PASSWORD}).status_code == 200
    )
    wrong = browser.post(TOTP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "incorrect_code"
    assert Authenticator.objects.count() == 0

    activated = browser.post(TOTP, {"code": totp_code(secret)})

    assert activated.status_code == 200, activated.content
    assert activated.json()["data"]["type"] == "totp"
    # the secret is never shown again
    shown = browser.get(TOTP)
    assert shown.status_code == 200 and "secret" not in json.dumps(shown.json())
    # the recovery codes are shown once, then only how many are left
    first = browser.get(RECOVERY_CODES).json()["data"]
    codes = first["unused_codes"]
    assert (len(codes), first["unused_code_count"], first["total_code_count"]) == (10, 10, 10)
    again = browser.get(RECOVERY_CODES).json()["data"]
    assert "unused_codes" not in again and again["unused_code_count"] == 10
    # neither the secret nor the seed of the codes is stored as it is
    stored = {a.type: a.data for a in Authenticator.objects.filter(user=user)}
    assert set(stored) == {"totp", "recovery_codes"}
    text = json.dumps(stored)
    assert secret not in text and not any(code in text for code in codes)
    assert decrypt(stored["totp"]["secret"]) == secret
    assert stored["recovery_codes"]["seed"].startswith("gAAAAA")  # a Fernet token
    assert browser.get("/api/auth/me/").json()["two_factor"] is True


def test_two_factor_needs_a_verified_address():
    make_user("zoe", verified=False)
    browser = Browser()
    assert browser.sign_in("zoe").status_code == 200

    refused = browser.get(TOTP)

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "unverified_email"
    assert Authenticator.objects.count() == 0


def test_the_headless_sign_in_waits_for_a_code():
    user = make_user("zoe")
    secret, recovery = with_two_factor(user)
    browser = Browser()

    pending = browser.sign_in("zoe")

    assert pending.status_code == 401
    assert pending_flow(pending) == "mfa_authenticate"
    assert browser.user_id() is None
    wrong = browser.post(f"{HEADLESS}/auth/2fa/authenticate", {"code": "12345678"})
    assert wrong.status_code == 400 and browser.user_id() is None
    done = browser.post(f"{HEADLESS}/auth/2fa/authenticate", {"code": totp_code(secret)})
    assert done.status_code == 200, done.content
    assert browser.user_id() == user.pk
    # a recovery code works once
    for attempt, expected in ((Browser(), 200), (Browser(), 400)):
        assert attempt.sign_in("zoe").status_code == 401
        used = attempt.post(f"{HEADLESS}/auth/2fa/authenticate", {"code": recovery[0]})
        assert used.status_code == expected
        assert attempt.user_id() == (user.pk if expected == 200 else None)


def sign_in(way: str, browser: Browser, **body):
    """An API token (`token/`) or a browser session (`session/`), as today's clients ask."""
    if way == "token":
        return browser.client.post("/api/auth/token/", body, content_type="application/json")
    return browser.post(SESSION, body)


def issued(way: str, browser: Browser, user) -> bool:
    if way == "token":
        return Token.objects.filter(user=user).exists()
    return browser.user_id() == user.pk


@pytest.mark.parametrize("way", ["token", "session"])
def test_a_token_or_session_needs_a_valid_code(way):
    user = make_user("zoe")
    secret, _ = with_two_factor(user)
    browser = Browser()
    code = totp_code(secret)
    wrong_code = "000000" if code != "000000" else "111111"

    refusals = [
        # a wrong password answers as it always has, with or without a code
        (sign_in(way, browser, username="zoe", password="nope"), WRONG_CREDENTIALS),
        (sign_in(way, browser, username="zoe", password="nope", code=code), WRONG_CREDENTIALS),
        (sign_in(way, browser, username="ghost", password=PASSWORD), WRONG_CREDENTIALS),
        # the right password asks for the code
        (sign_in(way, browser, username="zoe", password=PASSWORD), {"code": [CODE_REQUIRED]}),
        (sign_in(way, browser, username="zoe", password=PASSWORD, code=""),
         {"code": [CODE_REQUIRED]}),
        (sign_in(way, browser, username="zoe", password=PASSWORD, code=wrong_code),
         {"code": ["Incorrect code."]}),
        (sign_in(way, browser, username="zoe", password=PASSWORD, code="x" * 65),
         {"code": ["Ensure this field has no more than 64 characters."]}),
    ]  # fmt: skip

    assert [(r.status_code, r.json()) for r, _ in refusals] == [(400, e) for _, e in refusals]
    assert not issued(way, browser, user)

    accepted = sign_in(way, browser, username="zoe", password=PASSWORD, code=code)

    assert accepted.status_code == 200, accepted.content
    assert issued(way, browser, user)
    if way == "token":
        assert token_works(accepted.json()["token"])
    else:
        assert accepted.json()["user"]["two_factor"] is True
    # the same TOTP code does not work twice
    replayed = sign_in(way, Browser(), username="zoe", password=PASSWORD, code=code)
    assert (replayed.status_code, replayed.json()) == (400, {"code": ["Incorrect code."]})


def test_a_recovery_code_issues_a_token_once():
    user = make_user("zoe")
    _, recovery = with_two_factor(user)
    ask = {"username": "zoe", "password": PASSWORD, "code": recovery[3]}

    first = Client().post("/api/auth/token/", ask)
    second = Client().post("/api/auth/token/", ask)

    assert first.status_code == 200 and token_works(first.json()["token"])
    assert (second.status_code, second.json()) == (400, {"code": ["Incorrect code."]})
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap()
    assert len(codes.get_unused_codes()) == 9 and recovery[3] not in codes.get_unused_codes()


def test_guessing_codes_is_cut_off(settings):
    """Wrong codes sent as `code` count per account (accounts.throttles, README, Sign-up and
    sign-in protection): past the limit even the right code is refused, 429 with Retry-After."""
    settings.THROTTLE_TWO_FACTOR_USER_RATE = "5/hour"
    user = make_user("zoe")
    secret, _ = with_two_factor(user)
    ask = {"username": "zoe", "password": PASSWORD}
    code = totp_code(secret)
    wrong = "000000" if code != "000000" else "111111"

    guesses = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/api/auth/token/", {**ask, "code": wrong})
        for n in range(5)
    ]
    right = Client(REMOTE_ADDR="10.0.0.9").post("/api/auth/token/", {**ask, "code": code})

    assert [(g.status_code, g.json()) for g in guesses] == [
        (400, {"code": ["Incorrect code."]})
    ] * 5
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert not Token.objects.filter(user=user).exists()


def form_sign_in(browser: Browser, path: str, user):
    browser.client.get(path)
    return browser.client.post(
        path,
        {
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.client.cookies["csrftoken"].value,
            "next": "/admin/",
        },
    )


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_the_password_forms_refuse_a_two_factor_account_which_signs_in_with_its_code(path):
    staff = make_user("root")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    secret, _ = with_two_factor(staff)
    browser = Browser()

    refused = form_sign_in(browser, path, staff)

    assert refused.status_code == 200  # the form again, with the reason
    assert SECOND_FACTOR_ELSEWHERE in refused.content.decode()
    assert browser.user_id() is None
    assert browser.client.get("/admin/").status_code == 302
    # the session endpoint asks for the code, and its session opens the admin too
    signed_in = browser.post(SESSION, {"username": "root", "password": PASSWORD,
                                       "code": totp_code(secret)})  # fmt: skip
    assert signed_in.status_code == 200
    assert browser.client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_the_password_forms_still_sign_in_an_account_without_two_factor(path):
    staff = make_user("root")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    browser = Browser()

    assert form_sign_in(browser, path, staff).status_code == 302
    assert browser.user_id() == staff.pk
