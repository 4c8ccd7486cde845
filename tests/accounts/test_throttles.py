"""Sign-up and sign-in protection (accounts.throttles): every way in is limited per address and
per username, address or user, with 429 and Retry-After, and a throttled request never reaches
the password or code check."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.authtoken.models import Token

from divan.models import OutboundMail, User
from divan.smtp import bound_socket
from tests.accounts.helpers import (
    ALLAUTH,
    SIGN_IN_WAYS,
    at_address,
    reauthenticate,
    sign_in_allauth,
    sign_in_page,
    sign_in_token,
    totp,
    wrong_code,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

THROTTLED = "Request was throttled. Expected available in {} seconds."


@pytest.fixture
def mastodon_rates(settings):
    """The shipped defaults for signing in: 25 attempts per address, 10 failures per username."""
    settings.THROTTLE_SIGN_IN_RATE = "25/5min"
    settings.THROTTLE_SIGN_IN_USERNAME_RATE = "10/15min"


def assert_throttled(response, *, kind: str, period: int) -> int:
    """A 429 in the way's own shape, with a Retry-After within the period; the wait."""
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= period
    if kind == "page":
        assert "Too many attempts" in response.content.decode()
    elif kind == "allauth":
        assert response.json() == {"status": 429, "detail": THROTTLED.format(wait)}
    else:
        assert response.json() == {"detail": THROTTLED.format(wait)}
    return wait


def kind_of(way: str) -> str:
    if way.endswith("-login"):
        return "page"
    return "allauth" if way.startswith("allauth") else "api"


def signed_in(client, user) -> bool:
    return client.session.get(SESSION_KEY) == str(user.pk)


@pytest.mark.parametrize("way", SIGN_IN_WAYS)
def test_the_26th_sign_in_in_five_minutes_from_one_address_is_refused_another_is_not(settings, way):
    settings.THROTTLE_SIGN_IN_RATE = "25/5min"
    sign_in, wrong, right = SIGN_IN_WAYS[way]
    users = [UserFactory(is_staff=True) for _ in range(3)]  # staff: the admin's login lets them in
    client = at_address("203.0.113.7")

    # 25 guesses, spread over usernames so that only the address's limit is met
    answers = [sign_in(client, users[n % 2].username, f"guess-{n}").status_code for n in range(25)]
    refused = sign_in(client, users[2].username, PASSWORD)  # the 26th, with the right password

    assert answers == [wrong] * 25
    assert_throttled(refused, kind=kind_of(way), period=300)
    assert not signed_in(client, users[2])
    assert not Token.objects.filter(user=users[2]).exists()
    elsewhere = at_address("198.51.100.9")
    assert sign_in(elsewhere, users[2].username, PASSWORD).status_code == right


def test_behind_the_hub_each_forwarded_address_is_its_own_caller(settings):
    settings.THROTTLE_SIGN_IN_RATE = "25/5min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    user = UserFactory()
    hub = Client(REMOTE_ADDR="127.0.0.1")  # every request comes through the hub
    ways = [SIGN_IN_WAYS[way][0] for way in ("token", "session", "allauth-browser")]

    # the client wrote its own X-Forwarded-For entries: they change nothing
    answers = [
        ways[n % 3](hub, user.username, "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
        for n in range(26)
    ]
    other = sign_in_token(hub, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert [a.status_code for a in answers] == [400] * 25 + [429]
    assert other.status_code == 200


def test_an_ipv6_caller_is_one_caller_across_its_64(settings):
    settings.THROTTLE_SIGN_IN_RATE = "3/5min"
    user = UserFactory()

    answers = [
        sign_in_token(at_address(f"2001:db8:1:2::{n:x}"), user.username, "guess").status_code
        for n in range(4)
    ]

    assert answers == [400, 400, 400, 429]
    assert sign_in_token(at_address("2001:db8:1:3::1"), user.username, PASSWORD).status_code == 200


def test_thirty_wrong_passwords_for_admin_then_the_right_one_is_refused(mastodon_rates):
    """The issue's report: 30 wrong passwords for admin, then the right one, used to sign in."""
    admin = User.objects.create_superuser("admin", "admin@example.com", "divan-admin-password")
    client = at_address("203.0.113.7")
    sign_in = sign_in_page("/admin/login/")

    answers = [sign_in(client, "admin", f"guess-{n}") for n in range(30)]
    right = sign_in(client, "admin", "divan-admin-password")

    # the username's 10 failures come first; every later attempt is refused unread
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 20
    assert_throttled(right, kind="page", period=900)
    assert not signed_in(client, admin)
    assert client.get("/admin/").status_code == 302  # still asked to sign in
    # ... from anywhere: the limit is the username's
    assert sign_in(at_address("198.51.100.9"), "admin", "divan-admin-password").status_code == 429


@pytest.mark.parametrize("way", SIGN_IN_WAYS)
def test_a_username_is_limited_across_addresses_and_only_failures_count(settings, way):
    settings.THROTTLE_SIGN_IN_USERNAME_RATE = "3/15min"
    sign_in, wrong, right = SIGN_IN_WAYS[way]
    user, other = UserFactory(is_staff=True), UserFactory(is_staff=True)

    successes = [sign_in(at_address(f"192.0.2.{n}"), user.username, PASSWORD) for n in range(5)]
    failures = [sign_in(at_address(f"198.51.100.{n}"), user.username, "guess") for n in range(3)]
    fourth = sign_in(at_address("203.0.113.50"), user.username.upper(), PASSWORD)

    assert [s.status_code for s in successes] == [right] * 5  # a sign-in that worked is no guess
    assert [f.status_code for f in failures] == [wrong] * 3
    assert_throttled(fourth, kind=kind_of(way), period=900)
    # another username, from an address that guessed: not limited by the first one's failures
    assert sign_in(at_address("198.51.100.0"), other.username, PASSWORD).status_code == right


def test_a_username_sent_as_a_number_is_the_same_username(settings):
    settings.THROTTLE_SIGN_IN_USERNAME_RATE = "2/15min"
    user = UserFactory(username="1234")
    client = at_address("203.0.113.7")

    def guess(name):
        return client.post(
            "/api/auth/token/", {"username": name, "password": "guess"},
            content_type="application/json",
        ).status_code  # fmt: skip

    answers = [guess(1234), guess("1234")]

    assert answers == [400, 400]
    assert sign_in_token(at_address("192.0.2.1"), user.username, PASSWORD).status_code == 429


def test_every_way_counts_against_the_same_username(settings):
    settings.THROTTLE_SIGN_IN_USERNAME_RATE = f"{len(SIGN_IN_WAYS)}/15min"
    user = UserFactory(is_staff=True)

    answers = [
        sign_in(at_address(f"198.51.100.{n}"), user.username, "guess").status_code
        for n, (sign_in, _, _) in enumerate(SIGN_IN_WAYS.values())
    ]

    assert 429 not in answers
    assert sign_in_token(at_address("192.0.2.1"), user.username, PASSWORD).status_code == 429


def sign_up(address: str, path: str, n: int):
    """A sign-up from a client of its own (a session sign-up signs its client in)."""
    body = {"username": f"newcomer{n}", "email": f"newcomer{n}@example.com",
            "password": "a-long-pass-phrase"}  # fmt: skip
    return at_address(address).post(path, body, content_type="application/json")


def test_sign_ups_are_limited_per_address_across_every_sign_up_path(settings):
    settings.THROTTLE_SIGN_UP_RATE = "5/30min"
    paths = [
        "/api/auth/register/",
        "/api/auth/session/register/",
        f"{ALLAUTH}/browser/v1/auth/signup",
        f"{ALLAUTH}/app/v1/auth/signup",
        "/api/auth/register/",
    ]

    answers = [sign_up("203.0.113.7", path, n).status_code for n, path in enumerate(paths)]
    sixth = sign_up("203.0.113.7", "/api/auth/register/", 9)

    assert answers == [201, 201, 200, 200, 201]
    assert_throttled(sixth, kind="api", period=1800)
    assert not User.objects.filter(username="newcomer9").exists()
    assert User.objects.filter(username__startswith="newcomer").count() == 5
    assert sign_up("198.51.100.9", "/api/auth/register/", 9).status_code == 201


def request_reset(client, email: str):
    return client.post(
        f"{ALLAUTH}/browser/v1/auth/password/request", {"email": email},
        content_type="application/json",
    )  # fmt: skip


def test_reset_requests_are_limited_per_address_mailed(settings):
    settings.THROTTLE_PASSWORD_RESET_ADDRESS_RATE = "2/30min"
    UserFactory(email="alice@example.com")

    answers = [request_reset(at_address(f"192.0.2.{n}"), "alice@example.com") for n in range(2)]
    mails = OutboundMail.objects.count()
    third = request_reset(at_address("192.0.2.9"), "Alice@Example.com")

    assert [a.status_code for a in answers] == [200, 200]
    assert_throttled(third, kind="allauth", period=1800)
    assert OutboundMail.objects.count() == mails  # the refused request mailed nobody
    # another address, and an address with no account, are answered as always
    assert request_reset(at_address("192.0.2.9"), "bob@example.com").status_code == 200
    assert request_reset(at_address("192.0.2.9"), "nobody@example.com").status_code == 200


def test_reset_requests_are_limited_per_caller(settings):
    settings.THROTTLE_PASSWORD_RESET_RATE = "3/5min"
    client = at_address("203.0.113.7")

    answers = [request_reset(client, f"person{n}@example.com").status_code for n in range(4)]

    assert answers == [200, 200, 200, 429]
    assert request_reset(at_address("203.0.113.8"), "person9@example.com").status_code == 200


def enable_totp(user) -> str:
    """TOTP set up through allauth's API, as the hub does it: sign in, read the new secret,
    confirm it with a code. The secret."""
    client = Client()
    assert sign_in_allauth("browser")(client, user.username, PASSWORD).status_code == 200
    assert reauthenticate(client, PASSWORD).status_code == 200
    offered = client.get(f"{ALLAUTH}/browser/v1/account/authenticators/totp")
    assert offered.status_code == 404  # none yet: the answer offers a secret
    secret = offered.json()["meta"]["secret"]
    activated = client.post(
        f"{ALLAUTH}/browser/v1/account/authenticators/totp", {"code": totp(secret)},
        content_type="application/json",
    )  # fmt: skip
    assert activated.status_code == 200, activated.content
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return secret


def give_code(client, code: str, *, app_token: str | None = None):
    client_kind = "app" if app_token else "browser"
    extra = {"HTTP_X_SESSION_TOKEN": app_token} if app_token else {}
    return client.post(
        f"{ALLAUTH}/{client_kind}/v1/auth/2fa/authenticate", {"code": code},
        content_type="application/json", **extra,
    )  # fmt: skip


def test_two_factor_codes_are_limited_per_user_across_addresses_and_clients(settings):
    settings.THROTTLE_TWO_FACTOR_USER_RATE = "3/hour"
    user = UserFactory()
    secret = enable_totp(user)
    browser = at_address("203.0.113.7")

    pending = sign_in_allauth("browser")(browser, user.username, PASSWORD)
    guesses = [give_code(browser, wrong_code(secret)) for _ in range(3)]
    right = give_code(browser, totp(secret))

    assert pending.status_code == 401  # the password was right: a code is asked for
    assert [g.status_code for g in guesses] == [400, 400, 400]
    assert_throttled(right, kind="allauth", period=3600)
    assert not signed_in(browser, user)
    # an app signing in from elsewhere meets the same limit: it is the user's
    app = at_address("198.51.100.9")
    login = sign_in_allauth("app")(app, user.username, PASSWORD)
    token = login.json()["meta"]["session_token"]
    assert login.status_code == 401
    assert give_code(app, totp(secret), app_token=token).status_code == 429


def test_a_right_code_is_not_counted_against_the_user(settings):
    settings.THROTTLE_TWO_FACTOR_USER_RATE = "2/hour"
    user = UserFactory()
    secret = enable_totp(user)

    wrong = Client()
    sign_in_allauth("browser")(wrong, user.username, PASSWORD)
    first = give_code(wrong, wrong_code(secret))
    browser = Client()
    sign_in_allauth("browser")(browser, user.username, PASSWORD)
    right = give_code(browser, totp(secret))

    assert (first.status_code, right.status_code) == (400, 200)
    assert signed_in(browser, user)
    # one failure spent of two: one more guess is answered, the next is refused
    again = Client()
    sign_in_allauth("browser")(again, user.username, PASSWORD)
    assert give_code(again, wrong_code(secret)).status_code == 400
    assert give_code(again, wrong_code(secret)).status_code == 429


def test_two_factor_codes_are_limited_per_caller(settings):
    settings.THROTTLE_TWO_FACTOR_RATE = "2/5min"
    users = [UserFactory() for _ in range(2)]
    secrets = [enable_totp(user) for user in users]
    client = at_address("203.0.113.7")

    sign_in_allauth("browser")(client, users[0].username, PASSWORD)
    answers = [give_code(client, wrong_code(secrets[0])).status_code for _ in range(2)]
    other = at_address("203.0.113.7")
    sign_in_allauth("browser")(other, users[1].username, PASSWORD)

    assert answers == [400, 400]
    assert give_code(other, totp(secrets[1])).status_code == 429


def test_a_code_sent_with_a_token_sign_in_counts_as_a_two_factor_attempt(settings):
    """Sign-in with a code (`code` beside username and password) counts in the user's two-factor
    limit, whichever way the code came."""
    settings.THROTTLE_TWO_FACTOR_USER_RATE = "2/hour"
    user = UserFactory()
    secret = enable_totp(user)

    answers = [
        sign_in_token(at_address(f"192.0.2.{n}"), user.username, "guess", {"code": "1234"})
        for n in range(2)
    ]
    browser = Client()
    sign_in_allauth("browser")(browser, user.username, PASSWORD)

    assert [a.status_code for a in answers] == [400, 400]
    assert give_code(browser, totp(secret)).status_code == 429


def test_password_checks_of_a_signed_in_user_are_limited_per_user(settings):
    settings.THROTTLE_REAUTHENTICATE_USER_RATE = "2/10min"
    user = UserFactory()
    client = Client()
    sign_in_allauth("browser")(client, user.username, PASSWORD)

    def change(current: str):
        return client.post(
            f"{ALLAUTH}/browser/v1/account/password/change",
            {"current_password": current, "new_password": "another-long-pass-phrase"},
            content_type="application/json",
        )

    answers = [change("guess").status_code for _ in range(2)]
    right = change(PASSWORD)

    assert answers == [400, 400]
    assert_throttled(right, kind="allauth", period=600)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # unchanged


def test_verification_mails_are_limited_per_address(settings):
    settings.THROTTLE_VERIFICATION_ADDRESS_RATE = "1/30min"
    user = UserFactory()
    client = Client()
    sign_in_allauth("browser")(client, user.username, PASSWORD)
    reauthenticate(client, PASSWORD)

    def add(email: str):
        return client.post(
            f"{ALLAUTH}/browser/v1/account/email", {"email": email},
            content_type="application/json",
        )  # fmt: skip

    first = add("new@example.com")
    mails = OutboundMail.objects.count()
    again = add("NEW@example.com")

    assert first.status_code == 200, first.content
    assert_throttled(again, kind="allauth", period=1800)
    assert OutboundMail.objects.count() == mails
    assert add("other@example.com").status_code == 200


def test_ways_that_take_no_attempt_are_not_counted(settings):
    settings.THROTTLE_SIGN_IN_RATE = "1/5min"
    client = at_address("203.0.113.7")

    reads = [
        client.get("/admin/login/").status_code,
        client.get("/api-auth/login/").status_code,
        client.get("/api/auth/session/").status_code,
        client.get(f"{ALLAUTH}/browser/v1/auth/session").status_code,
    ]

    assert reads == [200, 200, 200, 401]
    assert sign_in_token(client, "nobody", "guess").status_code == 400  # the one attempt left


def test_with_redis_unreachable_sign_ins_are_answered_unthrottled(settings, caplog):
    """Throttling is abuse control, not a reason to refuse everyone: as the API's throttles."""
    settings.THROTTLE_SIGN_IN_RATE = "1/5min"
    user = UserFactory()
    down = bound_socket()  # a free port on which nothing listens
    settings.REDIS_URL = f"redis://127.0.0.1:{down.getsockname()[1]}/0"
    client = at_address("203.0.113.7")

    try:
        answers = [sign_in_token(client, user.username, pw).status_code
                   for pw in ("guess", "guess", PASSWORD)]  # fmt: skip
    finally:
        down.close()

    assert answers == [400, 400, 200]
    assert "attempt not counted, Redis refused" in caplog.text
