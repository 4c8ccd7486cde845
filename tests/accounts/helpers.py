"""Helpers of the accounts tests: signing in every way there is, from a chosen address; a
browser on allauth's headless API (as the hub's proxy passes it on); the links in the mails the
real SMTP server received; TOTP codes, as an authenticator app computes them (RFC 6238 from the
standard library) and by allauth's own functions."""

import base64
import hashlib
import hmac
import re
import struct
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.mail import body_of

ALLAUTH = "/api/_allauth"


def totp(secret: str, *, at: float | None = None) -> str:
    """The 6-digit code of a base32 secret for the 30-second step holding `at`; by default now,
    once the step has at least a second left (the server checks the current step only)."""
    if at is None:
        if 30 - time.time() % 30 < 1:
            time.sleep(30 - time.time() % 30)  # the next step begins within the second
        at = time.time()
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(at // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wrong_code(secret: str) -> str:
    """A code no step near now accepts."""
    near = {totp(secret, at=time.time() + step * 30) for step in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def at_address(address: str, client_class=Client):
    """A client whose every request comes from `address` (REMOTE_ADDR)."""
    return client_class(REMOTE_ADDR=address)


# Each sign_in_* takes the client, the username and the password, then more fields for the
# body (`fields`) and the request's extra headers (HTTP_X_FORWARDED_FOR=...) as keywords.


def sign_in_token(client, username: str, password: str, fields=(), **headers):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password, **dict(fields)},
        content_type="application/json", **headers,
    )  # fmt: skip


def sign_in_session(client, username: str, password: str, fields=(), **headers):
    return client.post(
        "/api/auth/session/", {"username": username, "password": password, **dict(fields)},
        content_type="application/json", **headers,
    )  # fmt: skip


def sign_in_page(path: str):
    def sign_in(client, username: str, password: str, fields=(), **headers):
        body = {"username": username, "password": password, "next": "/", **dict(fields)}
        return client.post(path, body, **headers)

    return sign_in


def sign_in_allauth(app: str):
    def sign_in(client, username: str, password: str, fields=(), **headers):
        return client.post(
            f"{ALLAUTH}/{app}/v1/auth/login",
            {"username": username, "password": password, **dict(fields)},
            content_type="application/json", **headers,
        )  # fmt: skip

    return sign_in


# Each way in: a sign-in function, what a wrong password gets, and what a right one gets.
SIGN_IN_WAYS = {
    "token": (sign_in_token, 400, 200),
    "session": (sign_in_session, 400, 200),
    "browsable-login": (sign_in_page("/api-auth/login/"), 200, 302),
    "admin-login": (sign_in_page("/admin/login/"), 200, 302),
    "allauth-browser": (sign_in_allauth("browser"), 400, 200),
    "allauth-app": (sign_in_allauth("app"), 400, 200),
}


def api_client(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def reauthenticate(client, password: str):
    """allauth asks for the password again before a change of address or of second factor."""
    return client.post(
        f"{ALLAUTH}/browser/v1/auth/reauthenticate", {"password": password},
        content_type="application/json",
    )  # fmt: skip


HEADLESS = "/api/_allauth/browser/v1"
SESSION = "/api/auth/session/"
PASSWORD = "a-long-pass-phrase"


class Browser:
    """A browser on Divan: one cookie jar, CSRF enforced as in production, JSON both ways. Its
    requests come from `address` (the hub passes each visitor's on)."""

    def __init__(self, address: str = "127.0.0.1"):
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)

    def csrf(self) -> str:
        if "csrftoken" not in self.client.cookies:
            self.client.get(f"{HEADLESS}/auth/session")
        return self.client.cookies["csrftoken"].value

    def get(self, path: str, **headers):
        return self.client.get(path, headers=headers)

    def post(self, path: str, body: dict | None = None, **headers):
        return self.send("post", path, body, **headers)

    def send(self, method: str, path: str, body: dict | None = None, **headers):
        return getattr(self.client, method)(
            path,
            body or {},
            content_type="application/json",
            headers={"X-CSRFToken": self.csrf(), **headers},
        )

    def sign_in(self, username: str, password: str = PASSWORD):
        """allauth's headless sign-in, as the hub signs in."""
        return self.post(f"{HEADLESS}/auth/login", {"username": username, "password": password})

    def user_id(self) -> int | None:
        """Whom Divan's own session endpoint says this browser is signed in as."""
        user = self.get(SESSION).json()["user"]
        return None if user is None else user["id"]


def pending_flow(response) -> str | None:
    """The flow a headless answer says is pending (verify_email, mfa_authenticate...)."""
    flows = response.json().get("data", {}).get("flows", [])
    return next((flow["id"] for flow in flows if flow.get("is_pending")), None)


def link_key(message, page: str) -> str:
    """The key of the hub link in a mail: `page` is "verify-email" or "password/reset"."""
    prefix = re.escape(f"{settings.HUB_URL}/account/{page}/")
    found = re.search(prefix + r"(\S+)", body_of(message))
    assert found, f"no {page} link in {body_of(message)!r}"
    return found.group(1)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, by allauth's own functions. Close to the end
    of a period it waits for the next one (at most 2 s), so the code is still current when the
    server checks it."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def token_works(key: str) -> bool:
    client = Client()
    return client.get("/api/auth/me/", headers={"Authorization": f"Token {key}"}).status_code == 200


def tokens_of(user) -> list[str]:
    return list(Token.objects.filter(user=user).values_list("key", flat=True))


def make_user(username: str, *, email: str | None = None, verified: bool = True):
    """A user with PASSWORD and an address (allauth's record of it, verified or not)."""
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    user = UserFactory(
        username=username, email=email or f"{username}@example.com", password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def with_two_factor(user) -> tuple[str, list[str]]:
    """Two-factor sign-in turned on by allauth's own activation: the TOTP secret and the
    recovery codes, as the person's authenticator app and their note would hold them."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret, RecoveryCodes.activate(user).generate_codes()
