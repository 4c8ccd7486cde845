"""Nobody learns from the answers whether an account or an address exists: sign-up, password
reset and sign-in answer an existing and a missing one with the same status and body, in about
the same time (medians of a few requests each, with a generous bound: a hint of a leak, not a
benchmark). Passwords are hashed at a production-like cost here, since hashing one is the
slowest thing an answer may do or skip."""

import statistics
import time

import pytest
from django.test import Client

from tests.accounts.helpers import HEADLESS, PASSWORD, Browser, make_user

pytestmark = pytest.mark.django_db

TRIES = 7


@pytest.fixture(autouse=True)
def costly_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.hashers.CostlyHasher"]


def timed(send) -> tuple[float, object]:
    started = time.perf_counter()
    response = send()
    return time.perf_counter() - started, response


def in_turn(existing, missing) -> tuple[list, list]:
    """Sends the requests about existing and missing accounts in turn (so that whatever else
    the machine does slows both alike): each side's (time, answer) pairs."""
    pairs = [(timed(a), timed(b)) for a, b in zip(existing, missing, strict=True)]
    return [a for a, _ in pairs], [b for _, b in pairs]


def assert_alike_in_time(existing: list, missing: list) -> None:
    first = statistics.median(t for t, _ in existing)
    second = statistics.median(t for t, _ in missing)
    assert abs(first - second) <= 0.4 * max(first, second) + 0.03, (first, second)


def shape(response, *values) -> tuple:
    text = response.content.decode()
    for value in values:
        text = text.replace(value, "*")
    return response.status_code, text


@pytest.mark.parametrize("path", ["token", "headless"])
def test_sign_up_answers_a_taken_and_a_free_address_alike(path, settings, mailbox):
    """Verification mandatory: a free address makes an account (a password hashed), a taken
    one makes none (its owner is mailed), and the two answers cannot be told apart."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    owners = [make_user(f"owner{n}") for n in range(TRIES)]

    def sign_up(username: str, email: str):
        body = {"username": username, "email": email, "password": PASSWORD}
        if path == "token":
            return lambda: Client().post("/api/auth/register/", body, "application/json")
        return lambda: Browser().post(f"{HEADLESS}/auth/signup", body)

    taken, free = in_turn(
        (sign_up(f"taker{n}", o.email) for n, o in enumerate(owners)),
        (sign_up(f"new{n}", f"new{n}@example.com") for n in range(TRIES)),
    )

    taken_shapes = {shape(r, o.email) for (_, r), o in zip(taken, owners, strict=True)}
    free_shapes = {shape(r, f"new{n}@example.com") for n, (_, r) in enumerate(free)}
    assert len(taken_shapes) == 1 and taken_shapes == free_shapes
    assert taken[0][1].status_code == (202 if path == "token" else 401)
    assert_alike_in_time(taken, free)


def test_a_reset_request_answers_an_existing_and_a_missing_address_alike(mailbox):
    users = [make_user(f"zoe{n}") for n in range(TRIES)]

    def ask(email: str):
        return lambda: Browser().post(f"{HEADLESS}/auth/password/request", {"email": email})

    existing, missing = in_turn(
        (ask(u.email) for u in users), (ask(f"ghost{n}@example.com") for n in range(TRIES))
    )

    assert {shape(r) for _, r in existing + missing} == {(200, '{"status": 200}')}
    assert_alike_in_time(existing, missing)
    # each address was mailed: a link, or a note that it has no account here
    mailbox.deliver()
    subjects = {m["To"]: m["Subject"] for m in mailbox.wait_for(2 * TRIES)}
    assert subjects["zoe0@example.com"] == "[Divan] Password Reset Email"
    assert subjects["ghost0@example.com"] == "[Divan] Unknown Account"


def test_a_sign_in_answers_a_wrong_password_and_a_missing_account_alike():
    users = [make_user(f"zoe{n}") for n in range(TRIES)]

    def sign_in(username: str):
        body = {"username": username, "password": "not-the-password"}
        return lambda: Client().post("/api/auth/token/", body)

    wrong, missing = in_turn(
        (sign_in(u.username) for u in users), (sign_in(f"ghost{n}") for n in range(TRIES))
    )

    assert {shape(r) for _, r in wrong + missing} == {
        (400, '{"non_field_errors":["Unable to log in with provided credentials."]}')
    }
    assert_alike_in_time(wrong, missing)
